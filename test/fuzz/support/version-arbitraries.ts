/**
 * Version strings for the differential tests: semver-shaped ones with every part
 * varied (numbers with leading zeros or past 2^64, shorthands, pre-release and build
 * identifiers), Go pseudo-versions of all three forms and their near misses, and raw
 * strings over the characters versions use.
 */
import fc from 'fast-check';

const number = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('0', '1', '2', '9', '10', '99') },
  { weight: 1, arbitrary: fc.constantFrom('00', '01', '007', '', '18446744073709551616', '9007199254740993', '-1', '1a') },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String) },
);

const identChar = fc.constantFrom(...'0123456789azAZ-');
const identifier = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('rc', 'alpha', 'beta', '0', '1', '01', '00', '0a', 'a0', '-', '--', 'x-y', 'RC', 'incompatible') },
  { weight: 3, arbitrary: fc.string({ unit: identChar, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'az0+_.~!é'), maxLength: 3 }) },
);
const dotted = fc.array(identifier, { minLength: 1, maxLength: 3 }).map((ids) => ids.join('.'));

const timestamp = fc.oneof(
  fc.constantFrom('20190101000000', '20231231235959', '00000000000000', '99999999999999'),
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 13, maxLength: 15 }),
);
const revision = fc.oneof(fc.constantFrom('abcdef123456', 'ABCDEF123456', '0123456789ab', 'x', ''), fc.string({ unit: identChar, minLength: 1, maxLength: 14 }));
const build = fc.oneof(fc.constant(''), fc.constant('+incompatible'), fc.constant('+Incompatible'), dotted.map((b) => '+' + b));

/** Go's pseudo-version forms: vX.0.0-ts-rev, vX.Y.Z-pre.0.ts-rev, vX.Y.(Z+1)-0.ts-rev. */
const pseudo = fc
  .tuple(number, number, number, fc.constantFrom('0.0-', 'base-', 'pre-'), dotted, timestamp, revision, build)
  .map(([x, y, z, form, pre, ts, rev, b]) => {
    if (form === '0.0-') return `v${x}.0.0-${ts}-${rev}${b}`;
    if (form === 'base-') return `v${x}.${y}.${z}-0.${ts}-${rev}${b}`;
    return `v${x}.${y}.${z}-${pre}.0.${ts}-${rev}${b}`;
  });

const semverish = fc
  .tuple(fc.constantFrom('v', 'v', 'v', 'V', '', 'vv'), number, fc.option(number), fc.option(number), fc.option(dotted), build)
  .map(([v, x, y, z, pre, b]) => {
    let s = v + x;
    if (y !== null) s += '.' + y;
    if (y !== null && z !== null) s += '.' + z;
    if (pre !== null) s += '-' + pre;
    return s + b;
  });

export const version: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: semverish },
  { weight: 3, arbitrary: pseudo },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'v0123456789.-+azAZ!~_ /%\0é'), maxLength: 16 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'v', 'latest', 'master', 'v1.2.3.4', 'v1..2', 'v1.2.', 'v1.2.3-', 'v1.2.3+', 'v1.2.3-+x') },
);

/** A module path to check a version against: no suffix, a /vN suffix, gopkg.in. */
export const versionedModulePath = fc.constantFrom('example.com/m', 'example.com/m/v2', 'example.com/m/v3', 'gopkg.in/yaml.v2', 'gopkg.in/yaml.v1', 'gopkg.in/check.v0', 'gopkg.in/x.v2-unstable', 'example.com/m/v10');

/** Two versions to compare: independent, or sharing their major.minor.patch so that pre-release and build rules decide. */
export const versionPair: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(version, version),
  fc
    .tuple(fc.constantFrom('v1.2.3', 'v0.0.0', 'v2.0.0', 'v1.2', 'v1'), fc.option(dotted), fc.option(dotted), build, build)
    .map(([core, a, b, ba, bb]): [string, string] => [core + (a === null ? '' : '-' + a) + ba, core + (b === null ? '' : '-' + b) + bb]),
);
