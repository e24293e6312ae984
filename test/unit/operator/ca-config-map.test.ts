/**
 * The CA ConfigMap: written when absent or different, then remembered per namespace (no API
 * call on later reconciles), written again when the CA changes; nothing without a CA.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { CaConfigMaps } from '../../../operator/controller/ca-config-map.js';

function fakeKube() {
  const maps = new Map<string, V1ConfigMap>();
  const calls = { reads: 0, writes: 0 };
  return {
    maps,
    calls,
    async readConfigMap(namespace: string, name: string) {
      calls.reads++;
      return maps.get(`${namespace}/${name}`);
    },
    async writeConfigMap(_live: V1ConfigMap | undefined, desired: V1ConfigMap) {
      calls.writes++;
      maps.set(`${desired.metadata!.namespace}/${desired.metadata!.name}`, desired);
    },
  };
}

test('published once per namespace, again when the CA changes, never without one', async () => {
  const kube = fakeKube();
  let ca: string | undefined = 'PEM one';
  const maps = new CaConfigMaps(kube, 'gr-go-registry-ca', () => ca);
  await maps.ensure('ci');
  await maps.ensure('ci');
  await maps.ensure('apps');
  assert.deepEqual(kube.calls, { reads: 2, writes: 2 });
  assert.equal(kube.maps.get('ci/gr-go-registry-ca')?.data?.['ca.crt'], 'PEM one');
  ca = 'PEM two';
  await maps.ensure('ci');
  assert.equal(kube.maps.get('ci/gr-go-registry-ca')?.data?.['ca.crt'], 'PEM two');
  ca = undefined;
  await maps.ensure('other');
  assert.equal(kube.maps.has('other/gr-go-registry-ca'), false);
  assert.deepEqual(kube.calls, { reads: 3, writes: 3 });
});

test('a ConfigMap already holding the CA is read, not written', async () => {
  const kube = fakeKube();
  kube.maps.set('ci/ca', { metadata: { name: 'ca', namespace: 'ci' }, data: { 'ca.crt': 'PEM' } });
  await new CaConfigMaps(kube, 'ca', () => 'PEM').ensure('ci');
  assert.deepEqual(kube.calls, { reads: 1, writes: 0 });
});
