/**
 * Which versions the GOPROXY read side shows: `@v/list` and `@latest` as the go
 * command interprets them (cmd/go/internal/modload query rules).
 */
import { compareVersions, isPrerelease, isPseudoVersion } from './go-semver.js';

export const sortVersions = (versions: readonly string[]) => [...versions].sort(compareVersions);

/** `@v/list`: tagged versions in semver order; pseudo-versions are never listed. */
export const listedVersions = (versions: readonly string[]) =>
  sortVersions(versions.filter((v) => !isPseudoVersion(v)));

/**
 * `@latest`: the highest release, else the highest pre-release, else the highest
 * pseudo-version — what `go get m@latest` would pick, not the newest upload.
 */
export function latestVersion(versions: readonly string[]): string | undefined {
  const tagged = versions.filter((v) => !isPseudoVersion(v));
  const releases = tagged.filter((v) => !isPrerelease(v));
  const pool = releases.length > 0 ? releases : tagged.length > 0 ? tagged : versions;
  return sortVersions(pool).at(-1);
}
