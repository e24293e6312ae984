/**
 * The Secrets the operator makes at run time: a CA and a serving certificate that a real
 * TLS handshake (node:tls, as go would) accepts for the Service's names; kept while current;
 * issued again when a third of its validity is left, when a name is added or when the CA
 * changed; a create that lost a race reads the winner's; the password made once. The
 * clock is injected; the API server is a small in-memory fake with resourceVersions.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { test } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { GeneratedSecrets, type GeneratedTls, type SecretAccess } from '../../../operator/controller/generated-secrets.js';
import { ConflictError } from '../../../operator/controller/kube-client.js';

const DAY = 86_400_000;

class FakeSecrets implements SecretAccess {
  readonly store = new Map<string, V1Secret>();
  writes = 0;
  /** Runs before the next create: another operator's write landing first. */
  beforeCreate: (() => Promise<void>) | undefined;
  private version = 0;

  async readSecret(namespace: string, name: string) {
    const s = this.store.get(`${namespace}/${name}`);
    return s && structuredClone(s);
  }
  async createSecret(secret: V1Secret) {
    const race = this.beforeCreate;
    this.beforeCreate = undefined;
    await race?.();
    const key = `${secret.metadata!.namespace}/${secret.metadata!.name}`;
    if (this.store.has(key)) throw new ConflictError('exists');
    this.put(key, secret);
  }
  async replaceSecret(live: V1Secret, desired: V1Secret) {
    const key = `${desired.metadata!.namespace}/${desired.metadata!.name}`;
    if (this.store.get(key)?.metadata?.resourceVersion !== live.metadata?.resourceVersion) throw new ConflictError('changed');
    this.put(key, desired);
  }
  private put(key: string, s: V1Secret) {
    this.writes++;
    this.store.set(key, { ...structuredClone(s), metadata: { ...s.metadata, resourceVersion: String(++this.version) } });
  }
  value(name: string, key: string) {
    const v = this.store.get(`ns/${name}`)?.data?.[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString();
  }
}

const config = (dnsNames = ['gr-go-registry.ns.svc', 'gr-go-registry.ns.svc.cluster.local']): GeneratedTls => ({
  namespace: 'ns', caSecret: 'gr-ca', tlsSecret: 'gr-tls', dnsNames, caDays: 3650, certDays: 90,
});

/** A TLS handshake with the Secret's certificate, verified against its ca.crt for servername. */
async function handshake(secrets: FakeSecrets, servername: string): Promise<void> {
  const server = tls.createServer({ cert: secrets.value('gr-tls', 'tls.crt'), key: secrets.value('gr-tls', 'tls.key') }, (s) => s.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = tls.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', servername, ca: secrets.value('gr-tls', 'ca.crt') });
    await once(socket, 'secureConnect');
    socket.destroy();
  } finally {
    server.close();
  }
}

test('a CA and a serving certificate a TLS client accepts for each Service name, and nothing else', async () => {
  const secrets = new FakeSecrets();
  const caPem = await new GeneratedSecrets(secrets).ensureTls(config());
  assert.equal(caPem, secrets.value('gr-ca', 'ca.crt'));
  assert.equal(secrets.value('gr-tls', 'ca.crt'), caPem);
  assert.match(secrets.value('gr-ca', 'ca.key')!, /BEGIN PRIVATE KEY/);
  assert.equal(secrets.store.get('ns/gr-tls')!.type, 'kubernetes.io/tls');
  for (const name of config().dnsNames) await handshake(secrets, name);
  await assert.rejects(handshake(secrets, 'other.ns.svc'), /altnames|Hostname/i);
});

test('kept while current; issued again a third before expiry, for a new name, or under a new CA', async () => {
  const secrets = new FakeSecrets();
  let now = new Date();
  const generated = new GeneratedSecrets(secrets, () => now);
  await generated.ensureTls(config());
  const first = secrets.value('gr-tls', 'tls.crt');
  assert.equal(secrets.writes, 2);

  now = new Date(now.getTime() + 59 * DAY); // 31 of 90 days left
  await generated.ensureTls(config());
  assert.equal(secrets.writes, 2, 'nothing written while more than a third is left');
  now = new Date(now.getTime() + 2 * DAY); // 29 left
  await generated.ensureTls(config());
  const renewed = secrets.value('gr-tls', 'tls.crt');
  assert.notEqual(renewed, first);
  assert.equal(secrets.writes, 3, 'the certificate only; the CA stays');

  now = new Date(); // back to the wall clock, which the handshakes below check validity against
  await generated.ensureTls(config([...config().dnsNames, 'go.example.com']));
  assert.notEqual(secrets.value('gr-tls', 'tls.crt'), renewed, 'a name added');
  await handshake(secrets, 'go.example.com');

  const oldCa = secrets.value('gr-ca', 'ca.crt');
  const ca = secrets.store.get('ns/gr-ca')!;
  ca.data!['ca.key'] = Buffer.from('not a key').toString('base64');
  await generated.ensureTls(config());
  assert.notEqual(secrets.value('gr-ca', 'ca.crt'), oldCa, 'an unusable CA is replaced');
  assert.equal(secrets.value('gr-tls', 'ca.crt'), secrets.value('gr-ca', 'ca.crt'), 'and the certificate issued under the new one');
  await handshake(secrets, config().dnsNames[0]!);
});

test('two operators at once: the one whose create loses reads and keeps the winner\'s CA and certificate', async () => {
  const secrets = new FakeSecrets();
  const winner = new GeneratedSecrets(secrets);
  secrets.beforeCreate = async () => void (await winner.ensureTls(config()));
  const caPem = await new GeneratedSecrets(secrets).ensureTls(config());
  assert.equal(caPem, secrets.value('gr-ca', 'ca.crt'));
  assert.equal(secrets.writes, 2, 'the loser wrote nothing');
  await handshake(secrets, config().dnsNames[0]!);
});

test('the password is made once, alphanumeric, and kept', async () => {
  const secrets = new FakeSecrets();
  const generated = new GeneratedSecrets(secrets);
  await generated.ensurePassword('ns', 'gr-postgres');
  const password = secrets.value('gr-postgres', 'password')!;
  assert.match(password, /^[A-Za-z0-9]{32}$/);
  await generated.ensurePassword('ns', 'gr-postgres');
  assert.equal(secrets.value('gr-postgres', 'password'), password);
  assert.equal(secrets.writes, 1);
});
