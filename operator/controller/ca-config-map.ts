/**
 * The registry's CA, published as a ConfigMap (`ca.crt`) in every namespace that has a
 * GoPackageOwner, like Kubernetes' own kube-root-ca.crt: a Pod that reads with its
 * ServiceAccount token (spec.access) and holds no Secret still needs to trust the registry's
 * certificate. A CA is no secret. Written when absent or different, remembered per namespace
 * so a reconcile costs no API call once it is in place; never deleted (Pods may mount it).
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from './kube-client.js';

export class CaConfigMaps {
  private readonly published = new Map<string, string>();

  constructor(
    private readonly kube: Pick<KubeClient, 'readConfigMap' | 'writeConfigMap'>,
    readonly name: string,
    private readonly caPem: () => string | undefined,
  ) {}

  async ensure(namespace: string): Promise<void> {
    const pem = this.caPem();
    if (!pem || this.published.get(namespace) === pem) return;
    const live = await this.kube.readConfigMap(namespace, this.name);
    if (live?.data?.['ca.crt'] !== pem) {
      const desired: V1ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: this.name, namespace, labels: { 'app.kubernetes.io/managed-by': 'go-registry-operator' } },
        data: { 'ca.crt': pem },
      };
      await this.kube.writeConfigMap(live, desired);
    }
    this.published.set(namespace, pem);
  }
}
