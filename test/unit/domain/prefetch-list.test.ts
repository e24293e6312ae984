import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrefetchList } from '../../../registry/domain/prefetch-list.js';

test('a go.sum: zips where a zip line is given, go.mod only where only that is', () => {
  const items = parsePrefetchList(
    [
      'golang.org/x/text v0.3.0 h1:g61tztE5qeGQ89tm6NTjjM9VPIm088od1l6aSorWRWg=',
      'golang.org/x/text v0.3.0/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=',
      'rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=',
      '',
      'not a go.sum line',
    ].join('\r\n'),
  );
  assert.deepEqual(items, [
    { modulePath: 'golang.org/x/text', version: 'v0.3.0', zip: true, expectedHash: 'h1:g61tztE5qeGQ89tm6NTjjM9VPIm088od1l6aSorWRWg=' },
    { modulePath: 'rsc.io/sampler', version: 'v1.3.0', zip: false, expectedHash: 'h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=' },
  ]);
});

test("a go.mod: its require directives, one-line and block, with // indirect comments; the module's own line is not one", () => {
  const items = parsePrefetchList(
    [
      'module example.com/app',
      '',
      'go 1.22',
      'require rsc.io/quote v1.5.2',
      'require (',
      '\tgolang.org/x/text v0.3.0 // indirect',
      '\trsc.io/sampler v1.3.0',
      ')',
      'replace rsc.io/sampler v1.3.0 => ./sampler',
    ].join('\n'),
  );
  assert.deepEqual(
    items.map((i) => `${i.modulePath}@${i.version} ${i.zip}`),
    ['rsc.io/quote@v1.5.2 true', 'golang.org/x/text@v0.3.0 true', 'rsc.io/sampler@v1.3.0 true'],
  );
});
