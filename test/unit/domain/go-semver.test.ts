import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  canonical,
  canonicalModuleVersion,
  compareVersions,
  isPseudoVersion,
  isValidVersion,
} from '../../../registry/domain/go-semver.js';
import { latestVersion, listedVersions } from '../../../registry/domain/version-query.js';

describe('Go semver (x/mod/semver tests)', () => {
  // [input, canonical ("" when invalid)]
  const cases: [string, string][] = [
    ['bad', ''], ['v1-alpha.beta.gamma', ''], ['v1-pre', ''], ['v1+meta', ''], ['v1-pre+meta', ''],
    ['v1.2-pre', ''], ['v1.2+meta', ''], ['v1.2-pre+meta', ''], ['v1.0.0-alpha', 'v1.0.0-alpha'],
    ['v1.0.0-alpha.1', 'v1.0.0-alpha.1'], ['v1.0.0-alpha.beta', 'v1.0.0-alpha.beta'], ['v1.0.0-beta', 'v1.0.0-beta'],
    ['v1.0.0-beta.2', 'v1.0.0-beta.2'], ['v1.0.0-beta.11', 'v1.0.0-beta.11'], ['v1.0.0-rc.1', 'v1.0.0-rc.1'],
    ['v1', 'v1.0.0'], ['v1.0', 'v1.0.0'], ['v1.0.0', 'v1.0.0'], ['v1.2', 'v1.2.0'], ['v1.2.0', 'v1.2.0'],
    ['v1.2.3-456', 'v1.2.3-456'], ['v1.2.3-456.789', 'v1.2.3-456.789'], ['v1.2.3-456-789', 'v1.2.3-456-789'],
    ['v1.2.3-456a', 'v1.2.3-456a'], ['v1.2.3-pre', 'v1.2.3-pre'], ['v1.2.3-pre+meta', 'v1.2.3-pre'],
    ['v1.2.3-pre.1', 'v1.2.3-pre.1'], ['v1.2.3-zzz', 'v1.2.3-zzz'], ['v1.2.3', 'v1.2.3'], ['v1.2.3+meta', 'v1.2.3'],
    ['v1.2.3+meta-pre', 'v1.2.3'], ['v1.2.3+meta-pre.sha.256a', 'v1.2.3'], ['1.2.3', ''], ['v01.2.3', ''],
    ['v1.02.3', ''], ['v1.2.03', ''], ['v1.2.3-01', ''], ['v1.2.3-', ''], ['v1.2.3+', ''],
  ];
  for (const [input, want] of cases) {
    test(input, () => {
      assert.equal(canonical(input), want);
      assert.equal(isValidVersion(input), want !== '');
    });
  }
  test('+incompatible survives module canonicalisation', () => {
    assert.equal(canonicalModuleVersion('v2.0.0+incompatible'), 'v2.0.0+incompatible');
    assert.equal(canonicalModuleVersion('v2.0.0+other'), 'v2.0.0');
  });
  test('precedence follows SemVer 2.0', () => {
    const ordered = ['v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-alpha.beta', 'v1.0.0-beta', 'v1.0.0-beta.2',
      'v1.0.0-beta.11', 'v1.0.0-rc.1', 'v1.0.0', 'v1.2.3', 'v1.10.0', 'v2.0.0+incompatible'];
    for (let i = 0; i + 1 < ordered.length; i++) {
      assert.ok(compareVersions(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
    }
  });
  test('numbers of any length compare as Go compares them (not as JS numbers)', () => {
    const ordered = [
      'v1.9007199254740992.0', // 2^53: beyond it, JS numbers stop telling neighbours apart
      'v1.9007199254740993.0',
      'v1.99999999999999999999.0',
      'v1.100000000000000000000.0',
      'v10000000000000000000000000000000000000.0.0-rc.9999999999999999999999',
      'v10000000000000000000000000000000000000.0.0-rc.10000000000000000000000',
      'v10000000000000000000000000000000000000.0.0',
    ];
    for (let i = 0; i + 1 < ordered.length; i++) {
      assert.ok(compareVersions(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
      assert.ok(compareVersions(ordered[i + 1]!, ordered[i]!) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
    }
    const long = `v1.0.0-${'a'.repeat(300)}`;
    assert.equal(canonical(long), long);
    assert.ok(compareVersions(long, 'v1.0.0') < 0);
    assert.equal(latestVersion(['v1.99999999999999999999.0', 'v1.2.0', long]), 'v1.99999999999999999999.0');
    assert.deepEqual(listedVersions(['v1.99999999999999999999.0', 'v1.9.0']), ['v1.9.0', 'v1.99999999999999999999.0']);
  });
  test('pre-release identifiers: numeric < alphanumeric, fewer < more, build ignored', () => {
    assert.ok(compareVersions('v1.0.0-1', 'v1.0.0-a') < 0);
    assert.ok(compareVersions('v1.0.0-a', 'v1.0.0-a.0') < 0);
    assert.ok(compareVersions('v1.0.0-a.b', 'v1.0.0-a.b.c') < 0);
    assert.ok(compareVersions('v1.0.0-A', 'v1.0.0-a') < 0, 'ASCII order, as Go');
    assert.equal(compareVersions('v2.0.0+incompatible', 'v2.0.0+incompatible'), 0);
    assert.ok(compareVersions('v2.0.0', 'v2.0.0+incompatible') < 0, 'ties on precedence are ordered by the string');
  });
});

describe('pseudo-versions and version queries', () => {
  test('recognises pseudo-versions', () => {
    assert.ok(isPseudoVersion('v0.0.0-20200101000000-abcdefabcdef'));
    assert.ok(isPseudoVersion('v1.2.4-0.20200101000000-abcdefabcdef'));
    assert.ok(isPseudoVersion('v1.2.3-pre.0.20200101000000-abcdefabcdef'));
    assert.ok(!isPseudoVersion('v1.2.3'));
    assert.ok(!isPseudoVersion('v1.2.3-rc.1'));
  });
  const pseudo = 'v0.0.0-20200101000000-abcdefabcdef';
  test('list: semver order, no pseudo-versions', () => {
    assert.deepEqual(listedVersions(['v1.10.0', 'v1.2.0', pseudo, 'v1.2.0-rc.1', 'v1.9.9']), ['v1.2.0-rc.1', 'v1.2.0', 'v1.9.9', 'v1.10.0']);
  });
  test('latest: highest release, not the newest upload', () => {
    assert.equal(latestVersion(['v1.10.0', 'v1.9.0', 'v2.0.0-rc.1']), 'v1.10.0');
  });
  test('latest: highest pre-release when there is no release', () => {
    assert.equal(latestVersion(['v1.0.0-alpha', 'v1.0.0-rc.2', 'v1.0.0-rc.10', pseudo]), 'v1.0.0-rc.10');
  });
  test('latest: highest pseudo-version when there is nothing else', () => {
    assert.equal(latestVersion([pseudo, 'v0.0.0-20210101000000-abcdefabcdef']), 'v0.0.0-20210101000000-abcdefabcdef');
    assert.equal(latestVersion([]), undefined);
  });
});
