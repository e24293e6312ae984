/** Admin API calls the tests make to set up owners and tokens. */
import assert from 'node:assert/strict';

export async function adminPut(baseUrl: string, adminToken: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}/api/admin${path}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status === 200 || res.status === 201, `PUT ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export const createOwner = (baseUrl: string, adminToken: string, owner: string, visibility = 'public') =>
  adminPut(baseUrl, adminToken, `/owners/${owner}`, { visibility });

/** Creates a token and returns its generated secret. */
export async function createToken(baseUrl: string, adminToken: string, owner: string, name: string, scopes: string[]): Promise<string> {
  const body = await adminPut(baseUrl, adminToken, `/owners/${owner}/tokens/${name}`, { scopes });
  return String(body.token);
}
