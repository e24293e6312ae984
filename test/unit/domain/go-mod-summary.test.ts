/** Requirements, retractions and deprecation as golang.org/x/mod/modfile reads them (the web UI's marks). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { retractionOf, summarizeGoMod } from '../../../registry/domain/go-mod-file.js';

describe('deprecation', () => {
  const cases: [string, string | undefined][] = [
    ['// Deprecated: use example.com/b instead.\nmodule example.com/a\n', 'use example.com/b instead.'],
    ['module example.com/a // Deprecated: gone\n', 'gone'],
    // A paragraph of its own, after other text, as modfile's deprecatedRE finds it.
    ['// Package a does things.\n//\n// Deprecated: use b.\nmodule example.com/a\n', 'use b.'],
    // Not at a paragraph's start: no deprecation.
    ['// This is not Deprecated: really\nmodule example.com/a\n', undefined],
    // A blank line detaches the comment from the directive.
    ['// Deprecated: detached\n\nmodule example.com/a\n', undefined],
    ['module example.com/a\n// Deprecated: after the directive\n', undefined],
    ['module example.com/a\n', undefined],
    ['// Deprecated:\nmodule example.com/a\n', ''],
  ];
  for (const [text, want] of cases) {
    test(JSON.stringify(text), () => assert.equal(summarizeGoMod(text).deprecated, want));
  }
});

describe('retract', () => {
  const mod = [
    'module example.com/a',
    '',
    'go 1.21',
    '',
    '// Published by mistake.',
    'retract v1.0.0',
    '',
    'retract [v1.1.0, v1.2.5] // broken build',
    '',
    '// Bad releases.',
    'retract (',
    '\tv0.9.0',
    '\t// The one with the leak.',
    '\t"v0.8.0"',
    ')',
    'retract [v2', // malformed: skipped
  ].join('\n');
  const { retracts } = summarizeGoMod(mod);

  test('every form is read with its rationale', () => {
    assert.deepEqual(retracts, [
      { low: 'v1.0.0', high: 'v1.0.0', rationale: 'Published by mistake.' },
      { low: 'v1.1.0', high: 'v1.2.5', rationale: 'broken build' },
      { low: 'v0.9.0', high: 'v0.9.0', rationale: 'Bad releases.' },
      { low: 'v0.8.0', high: 'v0.8.0', rationale: 'The one with the leak.' },
    ]);
  });

  test('an interval covers its ends and what lies between, by semver order', () => {
    const covered = (v: string) => retractionOf(v, retracts)?.rationale;
    assert.equal(covered('v1.0.0'), 'Published by mistake.');
    assert.equal(covered('v1.1.0'), 'broken build');
    assert.equal(covered('v1.2.0-rc.1'), 'broken build');
    assert.equal(covered('v1.2.5'), 'broken build');
    assert.equal(covered('v1.2.5+meta'), 'broken build');
    assert.equal(covered('v1.10.0'), undefined);
    assert.equal(covered('v1.0.1'), undefined);
    assert.equal(covered('v1.1.0-pre'), undefined);
  });
});

test('requirements, single and in blocks, with // indirect', () => {
  const mod = 'module example.com/a\n\nrequire example.com/b v1.2.3\n\nrequire (\n\t"example.com/c" v0.1.0 // indirect\n\texample.com/d v2.0.0+incompatible // indirect; why\n\t// a comment // indirect\n\texample.com/e v1.0.0\n)\n';
  assert.deepEqual(summarizeGoMod(mod).requires, [
    { path: 'example.com/b', version: 'v1.2.3', indirect: false },
    { path: 'example.com/c', version: 'v0.1.0', indirect: true },
    { path: 'example.com/d', version: 'v2.0.0+incompatible', indirect: true },
    { path: 'example.com/e', version: 'v1.0.0', indirect: false },
  ]);
  assert.equal(summarizeGoMod(mod).modulePath, 'example.com/a');
});
