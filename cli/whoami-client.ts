/** GET /api/v1/whoami: who a token is, as the registry sees it. */
import { registryRequest, requireSuccess } from './registry-client.js';

export interface WhoamiAnswer {
  kind: string;
  owner?: string;
  name?: string;
  scopes?: string[];
}

export async function whoamiOf(base: string, token: string, env: NodeJS.ProcessEnv): Promise<WhoamiAnswer> {
  const answer = requireSuccess(await registryRequest('GET', `${base}/api/v1/whoami`, { token, env }), `GET ${base}/api/v1/whoami`);
  return JSON.parse(answer.body) as WhoamiAnswer;
}

export const describePrincipal = (p: WhoamiAnswer) =>
  p.kind === 'token' ? `token "${p.name}" of owner ${p.owner} (scopes: ${(p.scopes ?? []).join(', ') || 'none'})` : p.owner ? `${p.kind} for owner ${p.owner}` : p.kind;
