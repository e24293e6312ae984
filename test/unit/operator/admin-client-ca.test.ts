/**
 * The admin client and a replaced CA: a registry (here a small HTTPS server on loopback) whose
 * certificate is reissued by another CA is verified with the CA the client reads at each call, so
 * it needs no restart; with the old CA the call fails (the witness that the CA is checked at all).
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HttpRegistryAdminClient, RegistryUnavailableError } from '../../../operator/registry/admin-client.js';
import { tempDir } from '../../support/paths.js';
import { createTestCa } from '../../support/test-ca.js';

let server: https.Server;
let work: { dir: string; remove: () => Promise<void> };
const pems: { ca: string; cert: string; key: string }[] = [];

before(async () => {
  work = await tempDir('admin-client-ca');
});
after(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await work?.remove();
});

test('a certificate reissued by another CA: verified with the CA read at the next call; refused with the old one', async () => {
  for (const name of ['first', 'second']) {
    const dir = path.join(work.dir, name);
    await mkdir(dir);
    const ca = await createTestCa(dir);
    const cert = await ca.issue('registry');
    pems.push({ ca: await readFile(ca.caFile, 'utf8'), cert: await readFile(cert.certFile, 'utf8'), key: await readFile(cert.keyFile, 'utf8') });
  }
  const [first, second] = pems as [typeof pems[0], typeof pems[0]];
  server = https.createServer({ cert: first.cert, key: first.key }, (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('owner not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let current = first.ca;
  const client = new HttpRegistryAdminClient(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, 'admin-token', () => current, 5_000);
  assert.equal(await client.getOwner('acme'), undefined, 'answered (404) over TLS verified with the first CA');

  // The registry's certificate is reissued by the second CA; connections made before are gone.
  server.setSecureContext({ cert: second.cert, key: second.key });
  server.closeAllConnections();
  await assert.rejects(client.getOwner('acme'), (err: Error) => err instanceof RegistryUnavailableError && /registry unreachable/.test(err.message), 'the first CA does not verify it');

  current = second.ca;
  assert.equal(await client.getOwner('acme'), undefined, 'verified with the second CA, no restart');
});
