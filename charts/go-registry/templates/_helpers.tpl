{{/* Names */}}
{{- define "go-registry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "go-registry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "go-registry.operatorName" -}}
{{- printf "%s-operator" (include "go-registry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "go-registry.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "go-registry.operatorName" .) .Values.operator.serviceAccount.name }}
{{- else }}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Labels: one shared helper; component and selector labels on top. */}}
{{- define "go-registry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "go-registry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: go-registry
{{- end }}

{{/* go-registry.selectorLabels: (dict "ctx" $ "component" "registry") */}}
{{- define "go-registry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "go-registry.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "go-registry.componentLabels" -}}
{{ include "go-registry.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "go-registry.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Registry endpoints */}}
{{- define "go-registry.registryHost" -}}
{{- printf "%s.%s.svc" (include "go-registry.fullname" .) .Release.Namespace }}
{{- end }}

{{- define "go-registry.servicePort" -}}
{{- if .Values.registry.service.port }}{{ .Values.registry.service.port }}{{ else if .Values.tls.enabled }}443{{ else }}80{{ end }}
{{- end }}

{{/* The registry's port name, also its URL scheme: https with TLS, else http. */}}
{{- define "go-registry.scheme" -}}
{{- ternary "https" "http" .Values.tls.enabled }}
{{- end }}

{{- define "go-registry.containerPort" -}}
{{- if .Values.tls.enabled }}8443{{ else }}8080{{ end }}
{{- end }}

{{/* The in-cluster URL: the operator's admin API endpoint and the default public URL. No port when it is the scheme's default, as go and .netrc expect. */}}
{{- define "go-registry.internalUrl" -}}
{{- $scheme := include "go-registry.scheme" . }}
{{- $port := include "go-registry.servicePort" . | int }}
{{- if or (and .Values.tls.enabled (eq $port 443)) (and (not .Values.tls.enabled) (eq $port 80)) }}
{{- printf "%s://%s" $scheme (include "go-registry.registryHost" .) }}
{{- else }}
{{- printf "%s://%s:%d" $scheme (include "go-registry.registryHost" .) $port }}
{{- end }}
{{- end }}

{{- define "go-registry.publicUrl" -}}
{{- default (include "go-registry.internalUrl" .) .Values.registry.publicUrl | trimSuffix "/" }}
{{- end }}

{{- define "go-registry.dnsNames" -}}
{{- $svc := include "go-registry.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- $names := list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) }}
{{- concat $names .Values.tls.extraDnsNames | uniq | toJson }}
{{- end }}

{{/* Secret names */}}
{{- define "go-registry.adminTokenSecret" -}}
{{- default (printf "%s-admin-token" (include "go-registry.fullname" .)) .Values.adminToken.existingSecret }}
{{- end }}

{{- define "go-registry.adminTokenKey" -}}
{{- ternary .Values.adminToken.key "token" (ne .Values.adminToken.existingSecret "") }}
{{- end }}

{{- define "go-registry.tlsSecret" -}}
{{- default (printf "%s-tls" (include "go-registry.fullname" .)) .Values.tls.existingSecret }}
{{- end }}

{{/* The own-CA TLS mode: no Secret of yours, no cert-manager; the operator makes the CA and certificate at run time. "true" or empty. */}}
{{- define "go-registry.generatedTls" -}}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) (not .Values.tls.certManager.enabled) }}true{{ end }}
{{- end }}

{{- define "go-registry.caSecret" -}}
{{- printf "%s-ca" (include "go-registry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The bundled PostgreSQL's password made by the operator at run time. "true" or empty. */}}
{{- define "go-registry.generatedPassword" -}}
{{- if and (eq .Values.database.mode "bundled") (not .Values.database.bundled.existingSecret) }}true{{ end }}
{{- end }}

{{- define "go-registry.pvcName" -}}
{{- default (printf "%s-data" (include "go-registry.fullname" .)) .Values.registry.persistence.existingClaim }}
{{- end }}

{{- define "go-registry.postgresName" -}}
{{- printf "%s-postgres" (include "go-registry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "go-registry.cnpgName" -}}
{{- printf "%s-db" (include "go-registry.fullname" .) | trunc 50 | trimSuffix "-" }}
{{- end }}

{{/* DATABASE_URL for the registry, or nothing for embedded. Kubernetes expands $(VAR) from earlier env entries. */}}
{{- define "go-registry.databaseEnv" -}}
{{- $mode := .Values.database.mode }}
{{- if eq $mode "bundled" }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default (include "go-registry.postgresName" .) .Values.database.bundled.existingSecret }}
      key: password
- name: DATABASE_URL
  value: {{ printf "postgres://goregistry:$(POSTGRES_PASSWORD)@%s.%s.svc:5432/goregistry" (include "go-registry.postgresName" .) .Release.Namespace | quote }}
{{- else if eq $mode "external" }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.database.external.existingSecret }}
      key: {{ .Values.database.external.key }}
{{- else if eq $mode "cnpg" }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      # CloudNativePG writes the application user's connection URL here.
      name: {{ include "go-registry.cnpgName" . }}-app
      key: uri
{{- end }}
{{- end }}

{{/*
Contradictory values fail at render with a message that names them, before anything is applied.
*/}}
{{- define "go-registry.validate" -}}
{{- $v := .Values }}
{{- if and (eq $v.database.mode "external") (not $v.database.external.existingSecret) }}
{{- fail "database.mode=external needs database.external.existingSecret: a Secret with a postgres:// URL" }}
{{- end }}
{{- if and (eq $v.database.mode "cnpg") (not (.Capabilities.APIVersions.Has "postgresql.cnpg.io/v1/Cluster")) }}
{{- fail "database.mode=cnpg needs the CloudNativePG operator: the postgresql.cnpg.io/v1 Cluster API is not installed (with helm template, pass --api-versions postgresql.cnpg.io/v1/Cluster)" }}
{{- end }}
{{- if and (eq (toString $v.registry.workers) "auto") (not (dig "limits" "cpu" "" $v.registry.resources)) }}
{{- fail "registry.workers=auto needs registry.resources.limits.cpu: without a CPU limit it would start one worker (each with its database pool and read cache) per CPU of the node" }}
{{- end }}
{{- if and (eq $v.database.mode "embedded") (ne (toString $v.registry.workers) "auto") (gt (int $v.registry.workers) 1) }}
{{- fail "registry.workers > 1 needs a shared database: set database.mode to bundled, external or cnpg (embedded PGlite is one process's)" }}
{{- end }}
{{- $s3 := eq $v.storage.type "s3" }}
{{- if and $s3 (not $v.storage.s3.bucket) }}
{{- fail "storage.type=s3 needs storage.s3.bucket: the bucket the module zips go to (it must exist)" }}
{{- end }}
{{- if and $s3 (not $v.sumdb.existingSecret) }}
{{- fail "storage.type=s3 needs sumdb.existingSecret: no volume keeps a generated signing key, and every replica must sign with one key (node dist/registry/main.js generate-sumdb-key <name> prints one)" }}
{{- end }}
{{- if include "go-registry.multiReplica" . }}
{{- $many := ternary "registry.autoscaling" "registry.replicas > 1" $v.registry.autoscaling.enabled }}
{{- if eq $v.database.mode "embedded" }}
{{- fail (printf "%s needs a shared database: set database.mode to bundled, external or cnpg (embedded PGlite is one process's; CloudNativePG is the recommended one)" $many) }}
{{- end }}
{{- if and (not $s3) (not (include "go-registry.sharedVolume" .)) }}
{{- fail (printf "%s needs blob storage every Pod reaches: storage.type=s3, or ReadWriteMany in registry.persistence.accessModes (or an existingClaim that has it)" $many) }}
{{- end }}
{{- end }}
{{- if and $v.registry.autoscaling.enabled (lt (int $v.registry.autoscaling.maxReplicas) (int $v.registry.autoscaling.minReplicas)) }}
{{- fail "registry.autoscaling.maxReplicas must be at least minReplicas" }}
{{- end }}
{{- if and (not $v.registry.persistence.enabled) (eq $v.database.mode "embedded") }}
{{- fail "database.mode=embedded keeps the database on the registry's volume: registry.persistence.enabled must be true" }}
{{- end }}
{{- if and $v.tls.enabled $v.tls.certManager.enabled $v.tls.existingSecret }}
{{- fail "tls.existingSecret and tls.certManager.enabled are exclusive: pick one source for the registry's certificate" }}
{{- end }}
{{- if and $v.tls.enabled $v.tls.certManager.enabled (not (.Capabilities.APIVersions.Has "cert-manager.io/v1/Certificate")) }}
{{- fail "tls.certManager.enabled needs cert-manager: the cert-manager.io/v1 Certificate API is not installed (with helm template, pass --api-versions cert-manager.io/v1/Certificate)" }}
{{- end }}
{{- if and (not $v.operator.enabled) (include "go-registry.generatedTls" .) }}
{{- fail "the registry's own CA is made at run time by the operator: with operator.enabled=false set tls.existingSecret or tls.certManager.enabled (or tls.enabled=false)" }}
{{- end }}
{{- if and (not $v.operator.enabled) (include "go-registry.generatedPassword" .) }}
{{- fail "the bundled PostgreSQL's password is made at run time by the operator: with operator.enabled=false set database.bundled.existingSecret" }}
{{- end }}
{{- if and $v.ingress.enabled (not $v.ingress.host) }}
{{- fail "ingress.enabled needs ingress.host" }}
{{- end }}
{{- end }}

{{/* More than one registry Pod at a time: several replicas, or an autoscaler. "true" or empty. */}}
{{- define "go-registry.multiReplica" -}}
{{- if or .Values.registry.autoscaling.enabled (gt (int .Values.registry.replicas) 1) }}true{{ end }}
{{- end }}

{{/* The registry's volume: when it holds the blobs (pvc) or the embedded database. "true" or empty. */}}
{{- define "go-registry.usesVolume" -}}
{{- if and .Values.registry.persistence.enabled (or (eq .Values.storage.type "pvc") (eq .Values.database.mode "embedded")) }}true{{ end }}
{{- end }}

{{/* The volume can be mounted by several Pods at once (or is not a claim at all). "true" or empty. */}}
{{- define "go-registry.sharedVolume" -}}
{{- $p := .Values.registry.persistence }}
{{- if or (not (include "go-registry.usesVolume" .)) $p.existingClaim (has "ReadWriteMany" $p.accessModes) }}true{{ end }}
{{- end }}

{{/* Recreate while a ReadWriteOnce volume is mounted: a second Pod could not mount it. Else a rolling update that keeps every Pod until its successor is ready. */}}
{{- define "go-registry.strategy" -}}
{{- if include "go-registry.sharedVolume" . -}}
type: RollingUpdate
rollingUpdate:
  maxSurge: {{ .Values.registry.rollingUpdate.maxSurge }}
  maxUnavailable: {{ .Values.registry.rollingUpdate.maxUnavailable }}
{{- else -}}
type: Recreate
{{- end }}
{{- end }}

{{/* The registry's ServiceAccount name. */}}
{{- define "go-registry.registryServiceAccount" -}}
{{- if .Values.registry.serviceAccount.create }}{{ default (include "go-registry.fullname" .) .Values.registry.serviceAccount.name }}{{ else }}{{ default "default" .Values.registry.serviceAccount.name }}{{ end }}
{{- end }}

{{/* BLOB_STORE and the bucket's settings (values: storage). */}}
{{- define "go-registry.storageEnv" -}}
{{- if eq .Values.storage.type "s3" }}
{{- with .Values.storage.s3 }}
- name: BLOB_STORE
  value: s3
- name: S3_BUCKET
  value: {{ .bucket | quote }}
- name: S3_PREFIX
  value: {{ .prefix | quote }}
{{- with .region }}
- name: S3_REGION
  value: {{ . | quote }}
{{- end }}
{{- with .endpoint }}
- name: S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: S3_FORCE_PATH_STYLE
  value: {{ .forcePathStyle | quote }}
- name: S3_REDIRECT
  value: {{ .redirect | quote }}
- name: S3_REDIRECT_EXPIRES_SECONDS
  value: {{ .redirectExpiresSeconds | int | quote }}
{{- with .credentialsSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef: {name: {{ . | quote }}, key: AWS_ACCESS_KEY_ID}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ . | quote }}, key: AWS_SECRET_ACCESS_KEY}
{{- end }}
{{- end }}
{{- else }}
- name: BLOB_STORE
  value: fs
{{- end }}
{{- end }}
