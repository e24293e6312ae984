/** go.mod texts around the module directive: quoting, comments, spacing, line ends, near misses. */
import fc from 'fast-check';

const pathLike = fc.oneof(
  fc.constantFrom('example.com/m', 'example.com/m/v2', 'x', '', 'example.com/"q"', 'example.com/m // c', 'a b'),
  fc.string({ unit: fc.constantFrom(...'exampl.com/m"\\`\'\t xu0{}()é'), maxLength: 12 }),
);
const quoted = fc.oneof(
  pathLike,
  pathLike.map((p) => `"${p}"`),
  pathLike.map((p) => `\`${p}\``),
  fc.constantFrom('"example.com/\\x6d"', '"example.com/\\u006d"', '"\\q"', '"unterminated', '"a"b', '"\\101"', '"\\U0001F600"'),
);
const keyword = fc.constantFrom('module', 'module', 'Module', 'modulex', 'module(', ' module', '\tmodule', 'go', 'require');
const space = fc.constantFrom(' ', '\t', '  ', '', ' \t', '\u00a0', '\v', '\f', '\r');
const lineEnd = fc.constantFrom('\n', '\r\n', '', ' // comment\n', '//\n', ' /* x */\n');

const directive = fc.tuple(space, keyword, space, quoted, lineEnd).map((p) => p.join(''));
const otherLine = fc.constantFrom('go 1.21\n', '// module example.com/other\n', '\n', 'require x v1.0.0\n', 'module (\n', ')\n', '\ufeff');

export const goModText: fc.Arbitrary<string> = fc.array(fc.oneof({ weight: 2, arbitrary: directive }, { weight: 1, arbitrary: otherLine }), { maxLength: 4 }).map((lines) => lines.join(''));
