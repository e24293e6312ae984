/**
 * The Secrets the chart used to generate at render time (genCA, randAlphaNum), made at run
 * time instead, so a render is a pure function of its values (GitOps tools never see drift
 * and never rotate anything by syncing):
 *
 * - the registry's own CA (`<fullname>-ca`: ca.crt, ca.key; only the operator reads it) and
 *   its serving certificate (`<fullname>-tls`: tls.crt, tls.key, ca.crt; the registry Pods
 *   mount it and reload it when it changes), issued for the Service's DNS names and issued
 *   again when a third of its validity is left, when its names change or when another CA
 *   signed it;
 * - the bundled PostgreSQL's password (`<fullname>-postgres`: password).
 *
 * Created when absent, never deleted (they outlive uninstall, as the token Secrets that
 * carry the CA do). Two operators racing are harmless: a create that finds the Secret there
 * reads the winner's, a replace that lost is re-read and judged again. The registry Pods
 * wait (the kubelet retries their mounts) until the certificate exists.
 */
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { createCa, inspectServingCertificate, issueServingCertificate, usableCa, type PemPair } from './certificates.js';
import { ConflictError } from './kube-client.js';

const DAY_MS = 86_400_000;
const MANAGED_LABELS = { 'app.kubernetes.io/managed-by': 'go-registry-operator', 'app.kubernetes.io/component': 'registry' };

/** The part of the Kubernetes client this needs. */
export interface SecretAccess {
  readSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  createSecret(secret: V1Secret): Promise<void>;
  replaceSecret(live: V1Secret, desired: V1Secret): Promise<void>;
}

export interface GeneratedTls {
  namespace: string;
  caSecret: string;
  tlsSecret: string;
  dnsNames: string[];
  caDays: number;
  certDays: number;
}

const text = (s: V1Secret | undefined, key: string) => {
  const v = s?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};
const secretOf = (namespace: string, name: string, type: string, values: Record<string, string>): V1Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, labels: MANAGED_LABELS },
  type,
  data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

export class GeneratedSecrets {
  constructor(
    private readonly kube: SecretAccess,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The CA and a current serving certificate exist; resolves the CA certificate (PEM). */
  async ensureTls(tls: GeneratedTls): Promise<string> {
    const ca = await this.ensureCa(tls);
    for (let attempt = 0; ; attempt++) {
      const live = await this.kube.readSecret(tls.namespace, tls.tlsSecret);
      if (live && this.current(live, ca, tls)) return ca.certPem;
      const cert = await issueServingCertificate(ca, tls.dnsNames, tls.certDays, this.now());
      const desired = secretOf(tls.namespace, tls.tlsSecret, 'kubernetes.io/tls', { 'tls.crt': cert.certPem, 'tls.key': cert.keyPem, 'ca.crt': ca.certPem });
      try {
        await (live ? this.kube.replaceSecret(live, desired) : this.kube.createSecret(desired));
        return ca.certPem;
      } catch (err) {
        // Another operator wrote it meanwhile: judge what it wrote.
        if (!(err instanceof ConflictError) || attempt >= 3) throw err;
      }
    }
  }

  /** The Secret holds a random alphanumeric password under `key` (made once, kept). */
  async ensurePassword(namespace: string, name: string, key = 'password'): Promise<void> {
    const live = await this.kube.readSecret(namespace, name);
    if (text(live, key)) return;
    // Alphanumeric, so it can stand in a postgres:// URL without escaping.
    const password = randomBytes(48).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 32);
    const desired = secretOf(namespace, name, 'Opaque', { [key]: password });
    try {
      await (live ? this.kube.replaceSecret(live, desired) : this.kube.createSecret(desired));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // another operator made it
    }
  }

  private async ensureCa(tls: GeneratedTls): Promise<PemPair> {
    for (let attempt = 0; ; attempt++) {
      const live = await this.kube.readSecret(tls.namespace, tls.caSecret);
      const found = { certPem: text(live, 'ca.crt') ?? '', keyPem: text(live, 'ca.key') ?? '' };
      if (live && usableCa(found, this.now())) return found;
      const ca = await createCa(`${tls.dnsNames[0]} CA`, tls.caDays, this.now());
      const desired = secretOf(tls.namespace, tls.caSecret, 'Opaque', { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem });
      try {
        await (live ? this.kube.replaceSecret(live, desired) : this.kube.createSecret(desired));
        return ca;
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= 3) throw err;
      }
    }
  }

  /** Signed by this CA, for every DNS name, and more than a third of its validity left. */
  private current(live: V1Secret, ca: PemPair, tls: GeneratedTls): boolean {
    const cert = text(live, 'tls.crt');
    if (!cert || !text(live, 'tls.key') || text(live, 'ca.crt') !== ca.certPem) return false;
    const facts = inspectServingCertificate(cert, ca.certPem);
    if (!facts || !tls.dnsNames.every((n) => facts.dnsNames.includes(n))) return false;
    const lifetime = facts.notAfter.getTime() - facts.notBefore.getTime();
    return facts.notAfter.getTime() - this.now().getTime() > Math.min(lifetime / 3, tls.certDays * DAY_MS / 3);
  }
}
