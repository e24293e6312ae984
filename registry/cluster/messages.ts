/** The messages a primary and its workers exchange over the cluster's IPC channel. */

/** A worker tells the primary it accepts connections. */
export interface ListeningMessage {
  type: 'go-registry:listening';
  port: number;
  url: string;
}

/** A worker asks the primary for every worker's metrics (a scrape of /metrics on the main port). */
export interface MetricsRequest {
  type: 'go-registry:metrics-request';
  id: number;
}

export interface MetricsResponse {
  type: 'go-registry:metrics-response';
  id: number;
  text?: string;
  error?: string;
}

export type ClusterMessage = ListeningMessage | MetricsRequest | MetricsResponse;

export const isClusterMessage = (m: unknown): m is ClusterMessage =>
  typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('go-registry:');
