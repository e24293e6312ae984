/**
 * The operator's access to the API server for one GoPackageOwner's world: the
 * resource, its status (through /status, with optimistic concurrency), its Secrets and
 * Events. Conflicts surface as ConflictError, which the controller retries quietly.
 */
import { ApiException, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1ConfigMap, type V1Secret } from '@kubernetes/client-node';
import { GROUP, OWNER_RESOURCE_LABEL, PLURAL, VERSION, type GoPackageOwner } from '../api/gopackageowner.js';
import { mergedAnnotations } from './desired/token-secret.js';

export class ConflictError extends Error {
  override name = 'ConflictError';
}

const codeOf = (err: unknown) => (err instanceof ApiException ? err.code : (err as { code?: number }).code);

async function orConflict<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (codeOf(err) === 409) throw new ConflictError('the object changed meanwhile');
    throw err;
  }
}

/** Events of the same reason and message for one object are recorded at most this often. */
const EVENT_REPEAT_MS = 5 * 60_000;

export class KubeClient {
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly lastEvents = new Map<string, number>();

  constructor(kc: KubeConfig) {
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async getGoPackageOwner(namespace: string, name: string): Promise<GoPackageOwner | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as GoPackageOwner;
    } catch (err) {
      if (codeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Writes metadata and spec (finalizers) with the object's resourceVersion. */
  async updateGoPackageOwner(cr: GoPackageOwner): Promise<GoPackageOwner> {
    const m = cr.metadata!;
    return (await orConflict(
      this.custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: m.namespace!, plural: PLURAL, name: m.name!, body: cr }),
    )) as GoPackageOwner;
  }

  async updateStatus(cr: GoPackageOwner): Promise<void> {
    const m = cr.metadata!;
    await orConflict(
      this.custom.replaceNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: m.namespace!, plural: PLURAL, name: m.name!, body: cr }),
    );
  }

  async listSecrets(namespace: string, ownerResource: string): Promise<V1Secret[]> {
    const list = await this.core.listNamespacedSecret({ namespace, labelSelector: `${OWNER_RESOURCE_LABEL}=${ownerResource}` });
    return list.items;
  }

  async readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (codeOf(err) === 404) return undefined;
      throw err;
    }
  }

  async createSecret(secret: V1Secret): Promise<void> {
    await orConflict(this.core.createNamespacedSecret({ namespace: secret.metadata!.namespace!, body: secret }));
  }

  async replaceSecret(live: V1Secret, desired: V1Secret): Promise<void> {
    const body: V1Secret = {
      ...desired,
      metadata: {
        ...desired.metadata,
        resourceVersion: live.metadata?.resourceVersion,
        labels: { ...live.metadata?.labels, ...desired.metadata?.labels },
        annotations: mergedAnnotations(live, desired),
      },
    };
    await orConflict(this.core.replaceNamespacedSecret({ namespace: desired.metadata!.namespace!, name: desired.metadata!.name!, body }));
  }

  async readConfigMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.core.readNamespacedConfigMap({ namespace, name });
    } catch (err) {
      if (codeOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Creates the ConfigMap, or replaces the live one (with its resourceVersion). */
  async writeConfigMap(live: V1ConfigMap | undefined, desired: V1ConfigMap): Promise<void> {
    const { namespace, name } = desired.metadata as { namespace: string; name: string };
    if (!live) return void (await orConflict(this.core.createNamespacedConfigMap({ namespace, body: desired })));
    const body = { ...desired, metadata: { ...desired.metadata, resourceVersion: live.metadata?.resourceVersion } };
    await orConflict(this.core.replaceNamespacedConfigMap({ namespace, name, body }));
  }

  async deleteSecret(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret({ namespace, name });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
    }
  }

  /** Records a Kubernetes Event on the resource; repeats within five minutes are dropped (no event storms). */
  async event(cr: GoPackageOwner, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const m = cr.metadata!;
    const key = `${m.uid}/${reason}/${message}`;
    const now = Date.now();
    if (now - (this.lastEvents.get(key) ?? 0) < EVENT_REPEAT_MS) return;
    this.lastEvents.set(key, now);
    if (this.lastEvents.size > 10_000) this.lastEvents.clear();
    const time = new Date(now);
    await this.core
      .createNamespacedEvent({
        namespace: m.namespace!,
        body: {
          metadata: { generateName: `${m.name}.`, namespace: m.namespace },
          involvedObject: { apiVersion: cr.apiVersion, kind: cr.kind, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: 'go-registry-operator' },
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        },
      })
      .catch(() => {}); // events are best effort
  }
}
