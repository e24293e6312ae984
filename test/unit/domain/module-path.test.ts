import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeCase, unescapeCase, unescapeModulePath, unescapeVersion } from '../../../registry/domain/case-encoding.js';
import {
  checkFilePath,
  checkModulePath,
  checkModuleVersion,
  checkPathMajor,
  splitPathVersion,
} from '../../../registry/domain/module-path.js';
import { checkOwnerName } from '../../../registry/domain/owner-name.js';
import { CHECK_PATH_CASES } from '../../fixtures/check-path-cases.js';

describe('module and file paths (x/mod checkPathTests)', () => {
  for (const [path, moduleOK, fileOK] of CHECK_PATH_CASES) {
    test(JSON.stringify(path), () => {
      assert.equal(checkModulePath(path) === undefined, moduleOK, `module path: ${checkModulePath(path)}`);
      assert.equal(checkFilePath(path) === undefined, fileOK, `file path: ${checkFilePath(path)}`);
      const { prefix, pathMajor } = splitPathVersion(path);
      assert.equal(prefix + pathMajor, path);
    });
  }

  test('error messages name the rule as x/mod does', () => {
    assert.equal(checkModulePath('mymodule'), 'malformed module path "mymodule": missing dot in first path element');
    assert.equal(checkFilePath("bad.go'"), `malformed file path "bad.go'": invalid char '\\''`);
    assert.equal(checkFilePath('x/com1.txt'), 'malformed file path "x/com1.txt": "com1" disallowed as path element component on Windows');
  });
});

describe('SplitPathVersion and CheckPathMajor', () => {
  const splits: [string, string][] = [
    ['x.y/z', ''], ['x.y/z', '/v2'], ['x.y/z', '/v3'], ['x.y/v', ''],
    ['gopkg.in/yaml', '.v0'], ['gopkg.in/yaml', '.v1'], ['gopkg.in/yaml', '.v2'], ['gopkg.in/yaml', '.v3'],
  ];
  for (const [prefix, pathMajor] of splits) {
    test(`${prefix}${pathMajor}`, () => assert.deepEqual(splitPathVersion(prefix + pathMajor), { prefix, pathMajor, ok: true }));
  }
  test('invalid major suffixes', () => {
    assert.equal(splitPathVersion('x.y/z/v1').ok, false);
    assert.equal(splitPathVersion('x.y/z/v0').ok, false);
    assert.equal(splitPathVersion('x.y/z/v2.0').ok, false);
    assert.equal(splitPathVersion('gopkg.in/yaml').ok, false);
  });
  test('versions against path majors', () => {
    assert.equal(checkPathMajor('v1.2.3', ''), undefined);
    assert.equal(checkPathMajor('v0.1.0', ''), undefined);
    assert.equal(checkPathMajor('v2.0.0+incompatible', ''), undefined);
    assert.equal(checkPathMajor('v2.0.0', ''), 'invalid version: should be v0 or v1, not v2');
    assert.equal(checkPathMajor('v2.3.0', '/v2'), undefined);
    assert.equal(checkPathMajor('v3.0.0', '/v2'), 'invalid version: should be v2, not v3');
    assert.equal(checkPathMajor('v1.0.0', '.v1'), undefined);
    assert.equal(checkPathMajor('v0.0.0-20200101000000-abcdefabcdef', '.v1'), undefined);
    assert.equal(checkPathMajor('v2.0.0', '.v2-unstable'), undefined);
  });
  test('checkModuleVersion requires canonical versions', () => {
    assert.equal(checkModuleVersion('example.com/m', 'v1.0.0'), undefined);
    assert.equal(checkModuleVersion('example.com/m', 'v1.0.0-rc.1'), undefined);
    assert.match(checkModuleVersion('example.com/m', 'v1')!, /should be "v1\.0\.0"/);
    assert.match(checkModuleVersion('example.com/m', 'v1.0.0+meta')!, /should be "v1\.0\.0"/);
    assert.match(checkModuleVersion('example.com/m', 'latest')!, /not a semantic version/);
    assert.match(checkModuleVersion('example.com/m/v2', 'v2.0.0+incompatible')!, /\+incompatible suffix not allowed: module path includes a major version suffix/);
    assert.match(checkModuleVersion('example.com/m', 'v1.0.0+incompatible')!, /\+incompatible suffix not allowed: major version v1 is compatible/);
    assert.equal(checkModuleVersion('example.com/m', 'v3.1.0+incompatible'), undefined);
  });
});

describe('case encoding (x/mod escapeTests, badUnescape)', () => {
  test('escapes uppercase letters', () => {
    assert.equal(escapeCase('github.com/GoogleCloudPlatform/omega'), 'github.com/!google!cloud!platform/omega');
    const ascii = 'ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789';
    assert.equal(escapeCase(ascii), ascii);
  });
  test('round-trips', () => {
    for (const p of ['example.com/Upper/Lib', 'github.com/Azure/azure-sdk-for-go', 'x.y/z']) {
      assert.equal(unescapeModulePath(escapeCase(p)), p);
    }
  });
  for (const bad of [
    'github.com/GoogleCloudPlatform/omega',
    'github.com/!google!cloud!platform!/omega',
    'github.com/!0google!cloud!platform/omega',
    'github.com/!_google!cloud!platform/omega',
    'github.com/!!google!cloud!platform/omega',
    '',
  ]) {
    test(`refuses ${JSON.stringify(bad)}`, () => assert.equal(unescapeModulePath(bad), undefined));
  }
  test('versions', () => {
    assert.equal(unescapeVersion('v1.0.0-!r!c1'), 'v1.0.0-RC1');
    assert.equal(unescapeVersion('v1.0.0-RC1'), undefined);
    assert.equal(unescapeVersion('v1.0.0/x'), undefined);
    assert.equal(unescapeCase('a!'), undefined);
  });
});

describe('owner names', () => {
  for (const ok of ['testuser', 'my-org', 'a', 'team_1.2', 'x'.repeat(64)]) {
    test(`accepts ${ok}`, () => assert.equal(checkOwnerName(ok), undefined));
  }
  for (const bad of ['', 'Upper', 'has space', 'x'.repeat(65), '..', 'a/b', 'ü']) {
    test(`refuses ${JSON.stringify(bad)}`, () => assert.match(checkOwnerName(bad)!, /invalid owner name/));
  }
});
