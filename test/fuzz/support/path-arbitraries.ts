/**
 * Module paths and file paths for the differential tests: mostly near-valid ones (so the
 * rules are exercised one at a time) built from elements Go treats specially, plus raw
 * strings over an alphabet of the characters the rules name.
 */
import fc from 'fast-check';

/** Characters the x/mod rules single out, and some they never mention. */
const SPECIAL = [...'-._~+!#$%&()=,@[]^{} /\\:;<>?|*"\'`\t\n\0', '\x7f', 'é', 'ß', 'ſ', 'K', 'İ', 'ı', 'Σ', 'σ', 'ς', '日', '\u00a0', '\u200b', '\ufffd', '😀', '\u0301'];
export const pathChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcxyz019') },
  { weight: 2, arbitrary: fc.constantFrom(...'ABXZ') },
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

const word = fc.string({ unit: fc.constantFrom(...'abcmxz0129-_~'), minLength: 1, maxLength: 6 });
const windowsName = fc
  .tuple(fc.constantFrom('con', 'CON', 'Prn', 'aux', 'nul', 'com1', 'COM9', 'lpt5', 'com0', 'lpt10', 'conin$'), fc.constantFrom('', '.txt', '.go', '~1'))
  .map(([a, b]) => a + b);
const majorSuffix = fc.constantFrom('v0', 'v1', 'v2', 'v10', 'v01', 'v2.0', 'v3.1.0', 'V2', 'v', 'v2a', 'v99999999999999999999');

/** One path element: a word, a special name, a dotted or tilde form, or raw characters. */
export const pathElement: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: word },
  { weight: 1, arbitrary: windowsName },
  { weight: 1, arbitrary: majorSuffix },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '...', '.x', 'x.', 'a~1', 'a~b', 'x~12~', '~', 'go.mod', 'GO.MOD', 'vendor') },
  { weight: 2, arbitrary: fc.tuple(word, fc.constantFrom('.', '~', '-', '+', '!', '@'), word).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: pathChar, minLength: 1, maxLength: 5 }) },
);

const host = fc.oneof(
  fc.tuple(word, fc.constantFrom('.com', '.io', '.x', '.', '..y')).map(([a, b]) => a + b),
  fc.constantFrom('example.com', 'gopkg.in', 'golang.org', 'Example.com', 'x.y', '.com', '-x.com', 'x_y.com', 'localhost', ''),
  pathElement,
);

const gopkgIn = fc
  .tuple(fc.option(word, { nil: undefined }), word, fc.constantFrom('.v0', '.v1', '.v2', '.v10', '.v01', '.v', '', '.v2-unstable', '-unstable', '.v3.1'))
  .map(([user, pkg, suffix]) => `gopkg.in/${user ? `${user}/` : ''}${pkg}${suffix}`);

/** A candidate module path. */
export const modulePath: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(host, fc.array(pathElement, { maxLength: 4 })).map(([h, rest]) => [h, ...rest].join('/')) },
  { weight: 2, arbitrary: fc.tuple(host, fc.array(word, { maxLength: 2 }), majorSuffix).map(([h, rest, v]) => [h, ...rest, v].join('/')) },
  { weight: 1, arbitrary: gopkgIn },
  { weight: 1, arbitrary: fc.string({ unit: pathChar, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.tuple(host, fc.constantFrom('/', '//', '/./', '/../', '/-')).map(([h, s]) => `${h}${s}x`) },
);

/** A candidate file path inside a module. */
export const filePath: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.array(pathElement, { minLength: 1, maxLength: 4 }).map((p) => p.join('/')) },
  { weight: 1, arbitrary: fc.string({ unit: pathChar, maxLength: 20 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/', './', '../', 'a//', ''), pathElement, fc.constantFrom('', '/', '/.', '/..')).map((p) => p.join('')) },
);

/** A case-encoded (as GOPROXY URLs carry them) form of s, often mangled. */
export const caseEncoded = (s: fc.Arbitrary<string>) =>
  fc.tuple(s, fc.constantFrom('escape', 'raw', 'double-bang', 'trailing-bang', 'bang-upper')).map(([p, how]) => {
    const escaped = p.replace(/[A-Z]/g, (c) => '!' + c.toLowerCase());
    switch (how) {
      case 'escape': return escaped;
      case 'double-bang': return escaped.replace('!', '!!');
      case 'trailing-bang': return escaped + '!';
      case 'bang-upper': return escaped.replace(/!([a-z])/, (_, c: string) => '!' + c.toUpperCase());
      default: return p;
    }
  });
