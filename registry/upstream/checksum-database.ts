/**
 * The upstream checksum database port: what the pull-through cache and the /sumdb proxy
 * ask of Go's public checksum database (or another one in GOSUMDB syntax). `lookup`
 * answers only lines it verified — the signed tree head against the database's key,
 * the record's inclusion in that tree, the tree's consistency with the last one seen —
 * so a tampering proxy between us and the database cannot vouch for bytes.
 */
export interface GoSumLines {
  /** h1: of the module zip. */
  zip: string | undefined;
  /** h1: of its go.mod. */
  mod: string | undefined;
}

export interface ChecksumDatabase {
  /** Its name, as in GOSUMDB (sum.golang.org). */
  readonly name: string;
  /** The verified go.sum lines for path@version; NotFound when the database has no record. */
  lookup(modulePath: string, version: string): Promise<GoSumLines>;
  /** A raw answer for the proxy, `path` relative to the database (`supported`, `latest`, `lookup/…`, `tile/…`). */
  fetch(path: string): Promise<Buffer>;
}
