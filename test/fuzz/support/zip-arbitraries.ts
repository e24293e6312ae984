/**
 * Module zips for checkModuleZip: valid ones laid out as go makes them, then mutated at
 * every level — entries (sizes, CRCs, methods, flags, zip64, data descriptors, extra
 * fields, local/central mismatches, non-UTF-8 names), structure (duplicates, case-folded
 * names, directories, entries outside the module) and bytes (central directory offsets
 * and counts, prefixes, comments, truncation, flipped bytes).
 */
import fc from 'fast-check';
import { zipBytes, type ZipArchiveSpec, type ZipFileSpec } from '../../support/zip-writer.js';
import { filePath } from './path-arbitraries.js';
import { goModText } from './gomod-arbitraries.js';

const MODULES: [string, string][] = [
  ['example.com/m', 'v1.0.0'], ['example.com/m/v2', 'v2.1.0'], ['gopkg.in/yaml.v2', 'v2.4.0'],
  ['example.com/m', 'v2.0.0+incompatible'], ['example.com/m', 'v0.0.0-20200101000000-abcdef123456'],
  ['example.com/M', 'v1.0.0-rc.1'], ['example.com/m', 'v1.0'], ['example.com/m/v2', 'v1.0.0'], ['example.com', 'v0.1.0'],
];
const NAMES = ['go.mod', 'a.go', 'LICENSE', 'sub/b.go', 'sub/', 'README', 'vendor/x.go', 'GO.MOD', 'sub/go.mod', 'sub/GO.mod', '\u00df.go', 'ss.go',
  'S.go', 's.go', '\u017f.go', 'K.go', 'k.go', '\u212a.go', 'dir/', 'dir', 'Dir/x', 'a/../b', './a', '', '/', 'x/', '.gitignore', 'a b.go'];

const content = fc.oneof(
  fc.constantFrom('package m\n', '', 'x'.repeat(2000), '\0\0\0'),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
);

export interface FileCase {
  name: string;
  data: Buffer | string;
  method: 'store' | 'deflate';
  mutation?: Partial<ZipFileSpec> | undefined;
}

const nonUtf8 = fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0]));
const extra = fc.oneof(
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
  fc.constantFrom(Buffer.from([1, 0, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([1, 0, 3, 0, 1, 2]), Buffer.from([0x75, 0x70, 5, 0, 1, 0, 0, 0, 0]), Buffer.from([0xff, 0xff, 0, 0])),
);
const size = fc.oneof(fc.nat(3000), fc.constantFrom(0, 0xffffffff, 600 * 1024 * 1024, 16 * 1024 * 1024 + 1));

/** One thing wrong with an entry (or a thing real tools do, like a data descriptor). */
const entryMutation: fc.Arbitrary<Partial<ZipFileSpec>> = fc.oneof(
  size.map((declaredSize) => ({ declaredSize })),
  size.map((compressedSize) => ({ compressedSize })),
  fc.integer({ min: 0, max: 0xffffffff }).map((crc) => ({ crc })),
  fc.constantFrom(1, 2, 0x40, 0x2000, 0x8).map((flags) => ({ flags })),
  fc.constantFrom(1, 6, 9, 12, 14, 93, 99, 0, 8).map((methodCode) => ({ methodCode })),
  fc.constant({ zip64: true }),
  fc.constantFrom(true, 'nosig' as const).map((dataDescriptor) => ({ dataDescriptor })),
  extra.map((localExtra) => ({ localExtra })),
  extra.map((centralExtra) => ({ centralExtra })),
  fc.string({ maxLength: 8 }).map((comment) => ({ comment })),
  fc.record({ method: fc.constantFrom(0, 8, 12), crc: fc.nat(), size: fc.nat(100), compressedSize: fc.nat(100), flags: fc.constantFrom(0, 1, 8) }, { requiredKeys: [] }).map((local) => ({ local })),
);

/** a in one case of `odds`, else undefined (which it shrinks to). */
const rare = <T>(a: fc.Arbitrary<T>, odds = 8) => fc.oneof({ weight: odds - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });

const fileCase: fc.Arbitrary<FileCase> = fc.record({
  name: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: filePath }),
  data: content,
  method: fc.constantFrom('store' as const, 'deflate' as const),
  mutation: rare(entryMutation, 5),
});

export interface ZipCase {
  module: [string, string];
  goMod: string | undefined;
  files: FileCase[];
  /** Entry names not under the module prefix, or with another prefix. */
  strays: readonly string[];
  nonUtf8Name: Buffer | undefined;
  centralRename: [number, string] | undefined;
  archive: ZipArchiveSpec;
  /** Applied to the bytes last: cut at, flip at, append. */
  truncateAt: number | undefined;
  flips: readonly (readonly [number, number])[];
}

const archiveSpec: fc.Arbitrary<ZipArchiveSpec> = fc.record(
  {
    prefix: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)), fc.constant(Buffer.from('PK\x03\x04junk'))),
    comment: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('PK\x05\x06' + '\0'.repeat(18))),
    zip64End: fc.boolean(),
    end: fc.record({ entries: fc.nat(70000), centralSize: fc.nat(5000), centralOffset: fc.nat(5000), disk: fc.constantFrom(0, 1) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);


export const zipCase: fc.Arbitrary<ZipCase> = fc.record({
  module: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...MODULES.slice(0, 5)) }, { weight: 1, arbitrary: fc.constantFrom(...MODULES.slice(5)) }),
  goMod: fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: goModText }),
  files: fc.array(fileCase, { maxLength: 6 }),
  strays: fc.oneof({ weight: 6, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.array(fc.constantFrom<string>('example.com/', 'example.com/m@v1.0.0', 'other.com/x@v1.0.0/a.go', 'example.com/m@v1.0.1/a.go', 'a.go', '@v1/x'), { maxLength: 2 }) }),
  nonUtf8Name: rare(nonUtf8, 12),
  centralRename: rare(fc.tuple(fc.nat(7), fc.constantFrom('b.go', 'A.go', 'go.mod', '../x')), 12),
  archive: fc.oneof({ weight: 6, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: archiveSpec }),
  truncateAt: rare(fc.nat(), 12),
  flips: fc.oneof({ weight: 12, arbitrary: fc.constant<[number, number][]>([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }) }),
});

/** The entries of a case, in zip order. */
export function entriesOf(c: ZipCase): ZipFileSpec[] {
  const [path, version] = c.module;
  const prefix = `${path}@${version}/`;
  const entries: ZipFileSpec[] = [];
  const goMod = c.goMod === '' ? `module ${path}\n\ngo 1.21\n` : c.goMod;
  if (goMod !== undefined) entries.push({ name: prefix + 'go.mod', data: goMod, method: 'deflate' });
  for (const f of c.files) entries.push({ name: prefix + f.name, data: f.data, method: f.method, ...f.mutation });
  for (const s of c.strays) entries.push({ name: s, data: 'package x\n' });
  if (c.nonUtf8Name) entries.push({ name: prefix + 'bad', nameBytes: Buffer.concat([Buffer.from(prefix), c.nonUtf8Name, Buffer.from('.go')]), data: 'package m\n' });
  if (c.centralRename && entries.length > 0) {
    const e = entries[c.centralRename[0] % entries.length]!;
    e.centralName = prefix + c.centralRename[1];
  }
  return entries;
}

export function zipOfCase(c: ZipCase): Buffer {
  let bytes = zipBytes(entriesOf(c), c.archive);
  if (c.truncateAt !== undefined) bytes = bytes.subarray(0, c.truncateAt % (bytes.length + 1));
  if (c.flips.length > 0) {
    bytes = Buffer.from(bytes);
    for (const [at, value] of c.flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
  }
  return bytes;
}
