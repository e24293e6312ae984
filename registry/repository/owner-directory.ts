/**
 * Every owner, token and grant, held in full while the read cache is on. A lookup is
 * then answered from memory whether the name or digest exists or not, so:
 *
 * - a missing owner and one the caller may not see cost the same (a map lookup): the
 *   response time says nothing about existence, even for a name nobody asked before;
 * - random tokens never reach the database (no load amplifier).
 *
 * Any change to owners, tokens or grants (local or notified) drops the snapshot; the next
 * lookup starts a rebuild, and until it is in place lookups go to the database. A
 * rebuild that raced a change is thrown away and started again, so a stale snapshot
 * is never used. Owners and tokens are few (a row is a few hundred bytes).
 */
import { ClaimIndex } from '../domain/claims.js';
import type { Grant } from '../domain/identity.js';
import type { Owner } from '../domain/owner.js';
import type { TokenRecord } from './owner-repository.js';

export interface DirectoryRows {
  owners: Owner[];
  tokens: TokenRecord[];
  grants: Grant[];
}

interface Snapshot {
  grants: Grant[];
  owners: Map<string, Owner>;
  /** The same owners by name (the web UI lists them). */
  ownerList: Owner[];
  tokens: Map<string, TokenRecord>;
  claims: ClaimIndex;
}

/** A failed rebuild (database down) is retried on a lookup no sooner than this. */
const RETRY_MS = 1000;

export class OwnerDirectory {
  private snapshot: Snapshot | undefined;
  private generation = 0;
  private rebuilding = false;
  private failedAt = -Infinity;
  private on: boolean;
  private readonly now: () => number;

  constructor(
    private readonly loadAll: () => Promise<DirectoryRows>,
    options: { enabled: boolean; now?: () => number },
  ) {
    this.on = options.enabled;
    this.now = options.now ?? (() => Date.now());
  }

  /** The complete snapshot, or undefined while there is none (then ask the database); starts a rebuild when needed. */
  current(): Snapshot | undefined {
    if (this.snapshot || !this.on) return this.snapshot;
    if (!this.rebuilding && this.now() - this.failedAt >= RETRY_MS) void this.rebuild();
    return undefined;
  }

  /** True once a snapshot is in place (tests and metrics). */
  get loaded(): boolean {
    return this.snapshot !== undefined;
  }

  setEnabled(on: boolean): void {
    this.on = on;
    this.invalidate();
  }

  invalidate(): void {
    this.generation++;
    this.snapshot = undefined;
  }

  /** Resolves once a rebuild that was started has ended (tests). */
  async settled(): Promise<void> {
    while (this.rebuilding) await new Promise((r) => setImmediate(r));
  }

  private async rebuild(): Promise<void> {
    this.rebuilding = true;
    try {
      while (this.on && !this.snapshot) {
        const generation = this.generation;
        const rows = await this.loadAll();
        if (generation !== this.generation || !this.on) continue;
        this.snapshot = {
          owners: new Map(rows.owners.map((o) => [o.name, o])),
          ownerList: [...rows.owners].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
          tokens: new Map(rows.tokens.map((t) => [t.digest, t])),
          claims: new ClaimIndex(rows.owners),
          grants: rows.grants,
        };
      }
    } catch {
      this.failedAt = this.now();
    } finally {
      this.rebuilding = false;
    }
  }
}
