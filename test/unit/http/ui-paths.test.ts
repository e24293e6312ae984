/** The web UI's module URLs: made by web/links.ts, parsed back by http/ui/ui-paths.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseModuleLocation } from '../../../registry/http/ui/ui-paths.js';
import { fileUrl, moduleUrl, zipUrl } from '../../../registry/web/links.js';

const tail = (url: string) => url.replace(/^\/ui\/modules\//, '');

test('links round-trip through the parser', () => {
  const cases: [string, ReturnType<typeof parseModuleLocation>][] = [
    [moduleUrl('acme', 'example.com/Lib/v2'), { owner: 'acme', modulePath: 'example.com/Lib/v2', version: undefined, part: { kind: 'page' } }],
    [moduleUrl('acme', 'example.com/lib', 'v1.0.0+meta'), { owner: 'acme', modulePath: 'example.com/lib', version: 'v1.0.0+meta', part: { kind: 'page' } }],
    [fileUrl('acme', 'example.com/lib', 'v1.0.0', 'a b/@x%.go'), { owner: 'acme', modulePath: 'example.com/lib', version: 'v1.0.0', part: { kind: 'file', name: 'a b/@x%.go' } }],
    [zipUrl('acme', 'example.com/lib', 'v1.0.0'), { owner: 'acme', modulePath: 'example.com/lib', version: 'v1.0.0', part: { kind: 'zip' } }],
  ];
  for (const [url, want] of cases) assert.deepEqual(parseModuleLocation(tail(url)), want, url);
});

test('what is not a location is undefined (a 404), never an exception', () => {
  for (const t of ['', 'acme', 'acme/', '/example.com/x', 'ACME!/example.com/x', 'acme/%E0%A4%A', 'acme/example.com/x@', 'acme/example.com/x@v1.0.0/other', 'acme/example.com/x@v1.0.0/files/', 'acme/@v1.0.0']) {
    assert.equal(parseModuleLocation(t), undefined, t);
  }
});
