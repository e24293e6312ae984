/**
 * A GOPROXY list as the go command reads it: URLs separated by `,` (try the next one
 * only when this one answers 404 or 410) or `|` (try the next one after any error), or
 * `off`. Server-side `direct` (fetching from version control) is not supported.
 */
export interface GoproxyEntry {
  url: string;
  /** After a failure other than 404/410, try the next entry (the `|` separator followed this one). */
  nextOnAnyError: boolean;
}

/** The entries, [] for `off`; throws with a message for a list this registry cannot use. */
export function parseGoproxyList(value: string): GoproxyEntry[] {
  const text = value.trim();
  if (text === 'off') return [];
  const entries: GoproxyEntry[] = [];
  const parts = text.split(/([,|])/);
  for (let i = 0; i < parts.length; i += 2) {
    const url = parts[i]!.trim();
    if (url === '') throw new Error('empty entry in the list');
    if (url === 'direct') throw new Error('direct (fetching from version control) is not supported here: list proxies only, or off');
    if (url === 'off') throw new Error('off must be the whole value');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`${url}: only http and https proxies`);
    entries.push({ url: url.replace(/\/+$/, ''), nextOnAnyError: parts[i + 1] === '|' });
  }
  return entries;
}
