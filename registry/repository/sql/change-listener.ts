/**
 * Keeps what a process holds in memory (the read cache, the pull-through cache's complete
 * versions) coherent across registry processes sharing one PostgreSQL: a dedicated
 * connection LISTENs on go_registry_changes (sent on commit by the triggers of migrations
 * 0003 and 0009) and drops the entries each change names. The memory is used only while
 * that connection listens: when it is lost, changes could be missed, so it is emptied and
 * bypassed until a new connection listens again.
 *
 * A connection can die silently (a NAT or firewall forgets it, a node vanishes): TCP
 * would notice after hours. So the connection proves itself every heartbeat with a
 * round trip; one not answered within a heartbeat counts as lost.
 */
import pg from 'pg';
import type { Change, ChangeSink } from '../read-cache.js';

export const CHANGES_CHANNEL = 'go_registry_changes';
const TABLES = new Set(['owners', 'tokens', 'access_grants', 'module_versions', 'cached_versions']);
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export interface ChangeListener {
  /** Resolves once listening, or after the first failed attempt (retries continue). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ChangeListenerOptions {
  /** How often the connection must answer a round trip (and how long it may take). */
  heartbeatMs: number;
  onError?: (err: unknown) => void;
  /** Told true when listening (cache on), false when not (cache off). */
  onState?: (listening: boolean) => void;
}

/** A notification payload as a Change; anything unexpected drops everything. */
export function parseChange(payload: string | undefined): Change | 'all' {
  try {
    const p = JSON.parse(payload ?? '') as { table?: unknown; owner?: unknown; modulePath?: unknown };
    if (typeof p.table !== 'string' || !TABLES.has(p.table)) return 'all';
    if (p.table === 'cached_versions') return typeof p.modulePath === 'string' ? { table: 'cached_versions', modulePath: p.modulePath } : 'all';
    if (typeof p.owner !== 'string') return 'all';
    if (p.table === 'module_versions') {
      return { table: 'module_versions', owner: p.owner, modulePath: typeof p.modulePath === 'string' ? p.modulePath : undefined };
    }
    return { table: p.table as 'owners' | 'tokens' | 'access_grants', owner: p.owner };
  } catch {
    return 'all';
  }
}

export function listenForChanges(connectionString: string, cache: ChangeSink, options: ChangeListenerOptions): ChangeListener {
  return new PgChangeListener(connectionString, cache, options);
}

class PgChangeListener implements ChangeListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly cache: ChangeSink,
    private readonly options: ChangeListenerOptions,
  ) {}

  start(): Promise<void> {
    return this.connect();
  }

  private async connect(): Promise<void> {
    const { heartbeatMs } = this.options;
    // query_timeout bounds the heartbeat's round trip; a dead peer never answers.
    const c = new pg.Client({ connectionString: this.connectionString, keepAlive: true, query_timeout: heartbeatMs, connectionTimeoutMillis: heartbeatMs });
    this.client = c;
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c));
    c.on('notification', (msg) => {
      if (msg.channel !== CHANGES_CHANNEL) return;
      const change = parseChange(msg.payload);
      if (change === 'all') this.cache.clear();
      else this.cache.apply(change);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGES_CHANNEL}`);
      if (this.client !== c || this.closed) return;
      // Whatever changed before this point was not heard: start from empty.
      this.cache.setEnabled(true);
      this.options.onState?.(true);
      this.retryMs = RETRY_MIN_MS;
      this.heartbeat = setInterval(() => c.query('SELECT 1').catch((err: unknown) => this.lost(c, err)), heartbeatMs);
      this.heartbeat.unref();
    } catch (err) {
      this.lost(c, err);
    }
  }

  /** The connection c is gone (or unanswering): cache off, and a new one after a backoff. */
  private lost(c: pg.Client, err?: unknown): void {
    if (this.client !== c) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    this.cache.setEnabled(false);
    this.options.onState?.(false);
    dispose(c);
    if (err) this.options.onError?.(err);
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const c = this.client;
    this.client = undefined;
    this.cache.setEnabled(false);
    if (c) await c.end().catch(() => {});
  }
}

/** Ends a client whose server may never answer again: its socket goes too, not after a TCP timeout. */
function dispose(c: pg.Client): void {
  c.end().catch(() => {});
  (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
