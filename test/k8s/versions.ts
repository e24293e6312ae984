/** The pinned control-plane versions; the build cache is keyed by them. */
export const KUBERNETES_VERSION = 'v1.37.2';
export const ETCD_VERSION = 'v3.7.0';
export const HELM_MODULE = 'helm.sh/helm/v4';
export const HELM_VERSION = 'v4.3.1';
/** CloudNativePG, the chart's recommended database operator: its CRDs for render tests, its operator for the cnpg install test. */
export const CNPG_MODULE = 'github.com/cloudnative-pg/cloudnative-pg';
export const CNPG_VERSION = 'v1.27.1';
