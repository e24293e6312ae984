/**
 * ResilientInformer's cache through a relist, without a cluster: the lists come from the test
 * (each one held until the test lets it arrive), the watch goes to a server that accepts and never
 * answers (so it neither delivers nor fails), and the relist period is a mocked timer.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import { KubeConfig, type KubernetesListObject, type V1Secret } from '@kubernetes/client-node';
import pino from 'pino';
import { ResilientInformer } from '../../../operator/runtime/resilient-informer.js';
import { flush, restoreTime } from './fake-time.js';

let silent: net.Server;
const sockets = new Set<net.Socket>();
let kc: KubeConfig;

before(async () => {
  silent = net.createServer((s) => void sockets.add(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses plain HTTP unless TLS checks are off.
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});
afterEach(restoreTime);

type List = KubernetesListObject<V1Secret>;
const secretList = (names: string[], resourceVersion: string): List => ({
  apiVersion: 'v1', kind: 'SecretList', metadata: { resourceVersion },
  items: names.map((name) => ({ metadata: { namespace: 'ns', name, resourceVersion } })),
});
const namesIn = (informer: ResilientInformer<V1Secret>) => informer.cached().map((s) => s.metadata!.name).sort();

/** Lists that arrive when the test says: call n waits for release(n, list). */
function heldLists() {
  const pending: { resolve: (l: List) => void; promise: Promise<List> }[] = [];
  const slot = (n: number) => {
    while (pending.length <= n) {
      let resolve!: (l: List) => void;
      const promise = new Promise<List>((r) => (resolve = r));
      pending.push({ resolve, promise });
    }
    return pending[n]!;
  };
  let calls = 0;
  return {
    list: () => slot(calls++).promise,
    get calls() {
      return calls;
    },
    release: async (n: number, l: List) => {
      slot(n).resolve(l);
      // The list's promise, ListWatch storing the items, then setImmediate.
      await flush();
      await flush();
    },
  };
}

describe('ResilientInformer', () => {
  test('synced only once the list is in; through a relist the previous list is served until the next one is in', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    const lists = heldLists();
    const events: string[] = [];
    const informer = new ResilientInformer<V1Secret>({
      kc, name: 'secrets', path: '/api/v1/namespaces/ns/secrets', list: lists.list as never, relistMs: 60_000,
      onChange: (s, verb) => events.push(`${verb} ${s.metadata!.name}`), log: pino({ level: 'silent' }),
    });
    await informer.start();
    await flush();
    assert.equal(lists.calls, 1);
    assert.equal(informer.synced, false, 'not synced while the first list is on its way');
    assert.deepEqual(namesIn(informer), []);

    await lists.release(0, secretList(['a', 'b'], '1'));
    assert.equal(informer.synced, true);
    assert.deepEqual(namesIn(informer), ['a', 'b']);
    assert.deepEqual(events, ['add a', 'add b']);

    mock.timers.tick(60_000);
    await flush();
    assert.equal(lists.calls, 2, 'the relist started');
    assert.deepEqual(namesIn(informer), ['a', 'b'], 'the previous list is served while the next one is on its way');
    assert.equal(informer.get('ns', 'a')?.metadata?.name, 'a');
    assert.equal(informer.synced, true);

    await lists.release(1, secretList(['b', 'c'], '2'));
    assert.deepEqual(namesIn(informer), ['b', 'c'], 'the new list, once in');
    assert.equal(informer.get('ns', 'a'), undefined);
    assert.deepEqual(events.slice(2), ['add b', 'add c'], 'the relist re-delivers every object (a resync)');
    await informer.stop();
  });

  test('an empty list is in too: synced, nothing cached', async () => {
    const lists = heldLists();
    const informer = new ResilientInformer<V1Secret>({
      kc, name: 'secrets', path: '/api/v1/namespaces/ns/secrets', list: lists.list as never, relistMs: 60_000,
      onChange: () => {}, log: pino({ level: 'silent' }),
    });
    await informer.start();
    await flush();
    assert.equal(informer.synced, false);
    await lists.release(0, secretList([], '1'));
    assert.equal(informer.synced, true);
    assert.deepEqual(namesIn(informer), []);
    await informer.stop();
  });
});
