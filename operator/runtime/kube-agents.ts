/**
 * Keep-alive connections to the API server. client-node 1.x builds a new https.Agent for every
 * request (KubeConfig.createAgent), so every call pays a TLS handshake and a new SecureContext
 * (the CA and client certificate parsed again): at 1,000 resources that was a quarter of the
 * operator's CPU and much of its native memory. This hands out one keep-alive agent per distinct
 * set of TLS options instead — a rotated client certificate or CA gets an agent of its own, and
 * the one it replaces is closed a minute later (bearer tokens are headers: they change no agent). maxSockets bounds the
 * connections (and so the requests in flight) to the API server, as client-go's QPS/burst do.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

const RETIRE_MS = 60_000;

type CreateAgent = (cluster: { server?: string; proxyUrl?: string; skipTLSVerify?: boolean } | null, options: Record<string, unknown>) => http.Agent;

export interface PooledAgentOptions {
  /** Connections per agent; requests beyond wait for one (watches hold one each). */
  maxSockets: number;
}

/** Makes kc reuse keep-alive agents; returns a function that closes them (shutdown). */
export function poolKubeAgents(kc: KubeConfig, { maxSockets }: PooledAgentOptions): () => void {
  const target = kc as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(kc);
  const agents = new Map<string, http.Agent>();
  target.createAgent = (cluster, options) => {
    // Proxies (socks, hpagent) keep client-node's own agents.
    if (cluster?.proxyUrl) return original(cluster, options);
    const plain = cluster?.server?.startsWith('http:') === true;
    if (plain && !cluster?.skipTLSVerify) return original(cluster, options); // client-node's refusal
    const key = fingerprint(cluster?.server ?? '', options);
    let agent = agents.get(key);
    if (!agent) {
      const shared = { ...options, keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
      agent = plain ? new http.Agent(shared) : new https.Agent(shared);
      // Another set of options means the credentials changed: the agents of the old ones are closed a minute
      // later, when requests in flight on them are long done (a watch cut then is restarted by its informer).
      for (const [oldKey, old] of agents) {
        agents.delete(oldKey);
        setTimeout(() => old.destroy(), RETIRE_MS).unref();
      }
      agents.set(key, agent);
    }
    return agent;
  };
  return () => {
    for (const agent of agents.values()) agent.destroy();
    agents.clear();
  };
}

/** A digest of the options that make a connection (CA, client certificate and key, verification). */
function fingerprint(server: string, options: Record<string, unknown>): string {
  const h = createHash('sha256').update(server);
  for (const name of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) {
    const v = options[name];
    h.update(`\0${name}=`);
    if (v === undefined || v === null) continue;
    for (const part of Array.isArray(v) ? v : [v]) h.update(Buffer.isBuffer(part) ? part : String(part));
  }
  return h.digest('hex');
}
