/**
 * Keeps a read cache coherent across registry processes sharing one PostgreSQL:
 * a dedicated connection LISTENs on go_registry_changes (sent on commit by the
 * triggers of migration 0003) and drops the entries each change names. The cache is
 * on only while that connection listens: when it is lost, changes could be missed,
 * so the cache is emptied and bypassed until a new connection listens again.
 */
import pg from 'pg';
import type { Change, ReadCache } from './read-cache.js';

export const CHANGES_CHANNEL = 'go_registry_changes';
const TABLES = new Set(['owners', 'tokens', 'module_versions']);

export interface ChangeListener {
  /** Resolves once listening, or after the first failed attempt (retries continue). */
  start(): Promise<void>;
  close(): Promise<void>;
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

export function listenForChanges(
  connectionString: string,
  cache: ReadCache,
  onError: (err: unknown) => void = () => {},
): ChangeListener {
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = 500;
  let timer: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client, err?: unknown) => {
    if (client !== c) return;
    client = undefined;
    cache.setEnabled(false);
    c.end().catch(() => {});
    if (err) onError(err);
    if (closed) return;
    timer = setTimeout(() => void connect(), retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString, keepAlive: true });
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
      retryMs = 500;
    } catch (err) {
      lost(c, err);
    }
  };

  return {
    start: connect,
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      cache.setEnabled(false);
      await c?.end().catch(() => {});
    },
  };
}
