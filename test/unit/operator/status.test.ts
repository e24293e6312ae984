/** Status compared as a value: the API server's key order, absent vs null vs empty, list-maps, transition times. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GoPackageOwnerStatus } from '../../../operator/api/gopackageowner.js';
import type { ConditionInput } from '../../../operator/controller/conditions.js';
import { desiredStatus, sameStatus } from '../../../operator/controller/status.js';

const T0 = '2026-03-01T10:00:00Z';
const later = new Date('2026-03-02T12:30:00.000Z');

/** A status as the API server returns it (kubectl get gpo -o json): every object's keys sorted. */
const fromApiServer = (): GoPackageOwnerStatus => JSON.parse(`{
  "conditions": [
    {"lastTransitionTime": "${T0}", "message": "owner acme and 1 tokens are in place", "observedGeneration": 3, "reason": "Reconciled", "status": "True", "type": "Ready"},
    {"lastTransitionTime": "${T0}", "message": "owner acme is private", "observedGeneration": 3, "reason": "Reconciled", "status": "True", "type": "OwnerSynced"},
    {"lastTransitionTime": "${T0}", "message": "1 tokens registered and written to Secrets", "observedGeneration": 3, "reason": "Reconciled", "status": "True", "type": "TokensSynced"}
  ],
  "observedGeneration": 3,
  "owner": "acme",
  "tokenCount": 1,
  "tokens": [{"issuedAt": "2026-03-01T09:59:59.123Z", "name": "ci", "rotateAt": "2026-03-31T09:59:59.123Z", "secretName": "acme-ci"}]
}`) as GoPackageOwnerStatus;

const reconciled = (message = 'owner acme and 1 tokens are in place'): ConditionInput[] => [
  { type: 'Ready', status: 'True', reason: 'Reconciled', message },
  { type: 'OwnerSynced', status: 'True', reason: 'Reconciled', message: 'owner acme is private' },
  { type: 'TokensSynced', status: 'True', reason: 'Reconciled', message: '1 tokens registered and written to Secrets' },
];
const tokens = () => [{ name: 'ci', secretName: 'acme-ci', issuedAt: '2026-03-01T09:59:59.123Z', rotateAt: '2026-03-31T09:59:59.123Z' }];

describe('status compared as a value', () => {
  test('what a reconcile at rest builds equals what the API server holds, though the key order differs', () => {
    const current = fromApiServer();
    const desired = desiredStatus(current, 3, 'acme', tokens(), reconciled(), later);
    assert.notEqual(JSON.stringify(desired), JSON.stringify(current), 'the fixture really is in another key order');
    assert.ok(sameStatus(desired, current));
    assert.equal(desired.conditions![0]!.lastTransitionTime, T0, 'no transition: the time is kept');
  });

  test('any change of value is a change', () => {
    const current = fromApiServer();
    const changed = (generation: number, t = tokens(), conditions = reconciled()) => !sameStatus(desiredStatus(current, generation, 'acme', t, conditions, later), current);
    assert.ok(changed(4), 'a new generation');
    assert.ok(changed(3, [{ ...tokens()[0]!, issuedAt: later.toISOString() }]), 'a rotated token');
    assert.ok(changed(3, [...tokens(), { name: 'deploy', secretName: 'acme-deploy', issuedAt: T0, rotateAt: T0 }]), 'a token more');
    assert.ok(changed(3, tokens(), reconciled('owner acme and 2 tokens are in place')), 'a condition message');
    assert.ok(!sameStatus({ ...current, owner: 'acme2' }, current));
  });

  test('undefined, null and absent are the same; an empty list is not an absent one', () => {
    const current = fromApiServer();
    const { rotateAt: _dropped, ...withoutRotation } = current.tokens![0]!;
    const absent = { ...current, tokens: [withoutRotation] };
    assert.ok(sameStatus({ ...current, tokens: [{ ...withoutRotation, rotateAt: undefined }] }, absent));
    assert.ok(sameStatus({ ...current, tokens: [{ ...withoutRotation, rotateAt: null as unknown as string }] }, absent));
    assert.ok(sameStatus({ ...current, owner: undefined }, { ...current, owner: null as unknown as string }));
    const { tokens: _none, ...noTokens } = current;
    assert.ok(!sameStatus({ ...current, tokens: [] }, noTokens), 'the API server keeps [] as []');
    assert.ok(sameStatus({ ...current, tokens: [] }, { ...noTokens, tokens: [] }));
    assert.ok(sameStatus(undefined, {}), 'no status is an empty one');
  });

  test('conditions and tokens are maps: their order does not matter', () => {
    const current = fromApiServer();
    const reordered = { ...current, conditions: [...current.conditions!].reverse() };
    assert.ok(sameStatus(reordered, current));
    const two = [...tokens(), { name: 'a', secretName: 'acme-a', issuedAt: T0 }];
    assert.ok(sameStatus({ ...current, tokens: two }, { ...current, tokens: [...two].reverse() }));
  });
});

describe('condition transition times', () => {
  test('lastTransitionTime moves only when a condition\'s status changes', () => {
    const current = fromApiServer();
    const sameStatusNewReason = desiredStatus(current, 3, 'acme', tokens(), [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'something else' }], later);
    assert.equal(sameStatusNewReason.conditions![0]!.lastTransitionTime, T0);
    const failed = desiredStatus(current, 3, 'acme', tokens(), [{ type: 'Ready', status: 'False', reason: 'RegistryUnavailable', message: 'down' }], later);
    assert.equal(failed.conditions![0]!.lastTransitionTime, '2026-03-02T12:30:00Z', 'metav1.Time: seconds, no fraction');
    assert.equal(failed.conditions![0]!.observedGeneration, 3);
    const fresh = desiredStatus(undefined, 1, 'acme', [], reconciled(), later);
    assert.ok(fresh.conditions!.every((c) => c.lastTransitionTime === '2026-03-02T12:30:00Z'), 'a first status: every condition transitions now');
  });
});
