/**
 * Keeps a read cache coherent across registry processes sharing one PostgreSQL:
 * a dedicated connection LISTENs on go_registry_changes (sent on commit by the
 * triggers of migration 0003) and drops the entries each change names. The cache is
 * on only while that connection listens: when it is lost, changes could be missed,
 * so the cache is emptied and bypassed until a new connection listens again.
 *
 * A connection can die silently (a NAT or firewall forgets it, a node vanishes): TCP
 * would notice after hours. So the connection proves itself every heartbeat with a
 * round trip; one not answered within a heartbeat counts as lost.
 */
import pg from 'pg';
import type { Change, ReadCache } from './read-cache.js';

export const CHANGES_CHANNEL = 'go_registry_changes';
const TABLES = new Set(['owners', 'tokens', 'module_versions']);
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
    if (typeof p.table !== 'string' || !TABLES.has(p.table) || typeof p.owner !== 'string') return 'all';
    if (p.table === 'module_versions') {
      return { table: 'module_versions', owner: p.owner, modulePath: typeof p.modulePath === 'string' ? p.modulePath : undefined };
    }
    return { table: p.table as 'owners' | 'tokens', owner: p.owner };
  } catch {
    return 'all';
  }
}

export function listenForChanges(connectionString: string, cache: ReadCache, options: ChangeListenerOptions): ChangeListener {
  const { heartbeatMs, onError = () => {}, onState = () => {} } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client, err?: unknown) => {
    if (client !== c) return;
    client = undefined;
    clearInterval(heartbeat);
    cache.setEnabled(false);
    onState(false);
    dispose(c);
    if (err) onError(err);
    if (closed) return;
    retryTimer = setTimeout(() => void connect(), retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  const beat = (c: pg.Client) => {
    c.query('SELECT 1').catch((err: unknown) => lost(c, err));
  };

  const connect = async (): Promise<void> => {
    // query_timeout bounds the heartbeat's round trip; a dead peer never answers.
    const c = new pg.Client({ connectionString, keepAlive: true, query_timeout: heartbeatMs, connectionTimeoutMillis: heartbeatMs });
    client = c;
    c.on('error', (err) => lost(c, err));
    c.on('end', () => lost(c));
    c.on('notification', (msg) => {
      if (msg.channel !== CHANGES_CHANNEL) return;
      const change = parseChange(msg.payload);
      if (change === 'all') cache.clear();
      else cache.apply(change);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANGES_CHANNEL}`);
      if (client !== c || closed) return;
      // Whatever changed before this point was not heard: start from empty.
      cache.setEnabled(true);
      onState(true);
      retryMs = RETRY_MIN_MS;
      heartbeat = setInterval(() => beat(c), heartbeatMs);
      heartbeat.unref();
    } catch (err) {
      lost(c, err);
    }
  };

  return {
    start: connect,
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(heartbeat);
      const c = client;
      client = undefined;
      cache.setEnabled(false);
      if (c) await c.end().catch(() => {});
    },
  };
}

/** Ends a client whose server may never answer again: its socket goes too, not after a TCP timeout. */
function dispose(c: pg.Client): void {
  c.end().catch(() => {});
  (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}
