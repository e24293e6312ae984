/**
 * Go's Unicode answers where x/mod asks Unicode questions, read from the tables generated
 * from Go (go-unicode.ts): JavaScript's \p{L} and toUpperCase follow this Node.js's
 * Unicode version and full case mapping, which are not Go's.
 */
import { GO_FOLDS, GO_LETTER_RANGES } from './go-unicode.js';

const ranges = GO_LETTER_RANGES.split(',').map((r) => r.split('-').map((n) => parseInt(n, 36)) as [number, number]);
const folds = new Map(GO_FOLDS.split(',').map((p) => p.split(':').map((n) => parseInt(n, 36)) as [number, number]));

/** unicode.IsLetter for a code point. */
export function isGoLetter(cp: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

/** x/mod zip's strToFold: each rune becomes the smallest of its SimpleFold orbit, A-Z then a-z. */
export function goFoldCase(s: string): string {
  let out = '';
  for (const c of s) {
    let cp = c.codePointAt(0)!;
    if (cp >= 0x80) cp = folds.get(cp) ?? cp;
    if (cp >= 0x41 && cp <= 0x5a) cp += 0x20;
    out += String.fromCodePoint(cp);
  }
  return out;
}
