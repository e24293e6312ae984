/** /metrics: bounded labels, the counters the issue names, no secrets; or on METRICS_PORT. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ADMIN_TOKEN, startTestRegistry, useTestRegistry } from '../support/in-process-registry.js';
import { createToken } from '../support/admin-api.js';
import { makeModuleZip } from '../support/module-zips.js';

const h = useTestRegistry('metrics');

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('requests, uploads, downloads and auth failures are counted with bounded labels and no secrets', async () => {
  await h.reg.createOwner('metrics-owner-name', 'public');
  const secret = await createToken(h.reg.url, ADMIN_TOKEN, 'metrics-owner-name', 'ci', ['write']);
  const zip = await readFile(await makeModuleZip(h.dir, 'example.com/metered-module', 'v1.0.0'));
  const upload = () =>
    fetch(`${h.reg.url}/api/packages/metrics-owner-name/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: `Bearer ${secret}` } });
  assert.equal((await upload()).status, 201);
  assert.equal((await upload()).status, 409);
  const base = `${h.reg.url}/api/packages/metrics-owner-name/go/example.com/metered-module/@v`;
  await (await fetch(`${base}/v1.0.0.zip`)).arrayBuffer();
  await (await fetch(`${base}/list`)).text();
  await (await fetch(`${base}/list`, { headers: { Authorization: 'Bearer gor_wrongwrongwrongwrongwrongwrongwrongwrongwro' } })).text();

  const text = await (await fetch(`${h.reg.url}/metrics`)).text();
  assert.equal(value(text, 'goregistry_uploads_total{result="published"}'), 1);
  assert.equal(value(text, 'goregistry_uploads_total{result="conflict"}'), 1);
  assert.equal(value(text, 'goregistry_uploaded_bytes_total'), zip.length);
  assert.equal(value(text, 'goregistry_downloads_total{kind="zip"}'), 1);
  assert.equal(value(text, 'goregistry_downloads_total{kind="list"}'), 1);
  assert.equal(value(text, 'goregistry_served_bytes_total')! >= zip.length, true);
  assert.equal(value(text, 'goregistry_auth_failures_total'), 1);
  assert.match(text, /http_request_duration_seconds_count\{method="GET",route="goproxy",status="200"\} 2/);
  assert.match(text, /http_request_duration_seconds_count\{method="PUT",route="upload",status="201"\} 1/);
  assert.match(text, /process_cpu_seconds_total/);
  for (const leak of ['metrics-owner-name', 'metered-module', secret, ADMIN_TOKEN]) {
    assert.ok(!text.includes(leak), `metrics mention ${leak}`);
  }
});

test('the zip cache: reads answered from memory or the volume, and the bytes it holds', async () => {
  await h.reg.createOwner('cache-owner', 'public');
  const zip = await readFile(await makeModuleZip(h.dir, 'example.com/cached-module', 'v1.0.0'));
  const res = await fetch(`${h.reg.url}/api/packages/cache-owner/go/upload`, { method: 'PUT', body: new Uint8Array(zip), headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(res.status, 201);
  const scrape = async () => {
    const text = await (await fetch(`${h.reg.url}/metrics`)).text();
    return { hit: value(text, 'goregistry_zip_cache_reads_total{result="hit"}') ?? 0, miss: value(text, 'goregistry_zip_cache_reads_total{result="miss"}') ?? 0, bytes: value(text, 'goregistry_zip_cache_bytes') ?? 0 };
  };
  const before = await scrape();
  const url = `${h.reg.url}/api/packages/cache-owner/go/example.com/cached-module/@v/v1.0.0.zip`;
  for (let i = 0; i < 3; i++) assert.deepEqual(Buffer.from(await (await fetch(url)).arrayBuffer()), zip);
  const after = await scrape();
  assert.equal(after.miss - before.miss, 1, 'read from the volume once');
  assert.equal(after.hit - before.hit, 2, 'then from memory');
  assert.ok(after.bytes - before.bytes >= zip.length, `holds the zip: ${after.bytes - before.bytes} bytes more`);
});

test('METRICS_PORT moves /metrics off the main port', async () => {
  const separate = await startTestRegistry({ METRICS_PORT: '0' });
  try {
    assert.equal((await fetch(`${separate.url}/metrics`)).status, 404);
    assert.ok(separate.metricsUrl);
    const res = await fetch(separate.metricsUrl);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /http_request_duration_seconds/);
  } finally {
    await separate.stop();
  }
});
