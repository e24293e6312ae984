/** Upload bodies for the HTTP fuzz test: mostly valid module zips of a few modules, else any generated zip. */
import fc from 'fast-check';
import { moduleEntries, zipBytes } from '../../support/zip-writer.js';
import { zipCase, zipOfCase, type ZipCase } from './zip-arbitraries.js';

export type UploadBody = { kind: 'valid'; modulePath: string; version: string; salt: number } | { kind: 'generated'; zip: ZipCase } | { kind: 'bytes'; bytes: Uint8Array };

const validModule = fc.oneof(
  fc.tuple(fc.constantFrom('example.com/fz/a', 'example.com/fz/B', 'example.com/fz/c'), fc.constantFrom('v0', 'v1')),
  fc.tuple(fc.constant('example.com/fz/a/v2'), fc.constant('v2')),
);
const validBody = fc
  .tuple(validModule, fc.nat(2), fc.nat(3), fc.constantFrom('', '', '-rc.1', '-0.20240101000000-abcdef123456'), fc.nat(3))
  .map(([[modulePath, major], minor, patch, pre, salt]): UploadBody => {
    const base = pre.startsWith('-0.') ? `${major}.0.0` : `${major}.${minor}.${patch}`;
    return { kind: 'valid', modulePath, version: `${base.replace(/^v?/, 'v').replace('vv', 'v')}${pre}`, salt };
  });

export const uploadBody: fc.Arbitrary<UploadBody> = fc.oneof(
  { weight: 5, arbitrary: validBody },
  { weight: 3, arbitrary: zipCase.map((zip): UploadBody => ({ kind: 'generated', zip })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): UploadBody => ({ kind: 'bytes', bytes })) },
);

export function bytesOf(b: UploadBody): Buffer {
  if (b.kind === 'bytes') return Buffer.from(b.bytes);
  if (b.kind === 'generated') return zipOfCase(b.zip);
  // The salt varies the content, so two uploads of one version may differ in bytes.
  return zipBytes(moduleEntries(b.modulePath, b.version, { 'go.mod': `module ${b.modulePath}\n`, 'a.go': `package a // ${b.salt}\n` }));
}

/** The module and version an upload is meant for, when it names one. */
export function intendedVersion(b: UploadBody): { modulePath: string; version: string } | undefined {
  if (b.kind === 'valid') return { modulePath: b.modulePath, version: b.version };
  if (b.kind === 'generated') return { modulePath: b.zip.module[0], version: b.zip.module[1] };
  return undefined;
}
