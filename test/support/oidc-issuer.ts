/**
 * A local OIDC issuer for tests, standing in for a CI system's: node:http on a random
 * loopback port, a discovery document, a JWKS of keys it generates with jose (counted
 * fetches), key rotation, and tokens signed with any of its keys (or a stranger's).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

export interface IssuerKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
}

export async function makeKey(kid: string, alg: 'RS256' | 'ES256' = 'ES256'): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface TestOidcIssuer {
  url: string;
  /** Keys published in the JWKS now. */
  keys: IssuerKey[];
  /** How many times the JWKS was fetched. */
  jwksFetches: number;
  /** Set to answer the JWKS with this status and no key set (an issuer in trouble). */
  jwksFailure: number | undefined;
  /** A token signed by `key` (default: the newest published key), valid for 10 minutes unless claims say otherwise. */
  sign(claims: JWTPayload, key?: IssuerKey): Promise<string>;
  /** Publishes a new key and, unless keepOld, withdraws the others; returns the new key. */
  rotate(keepOld?: boolean): Promise<IssuerKey>;
  stop(): Promise<void>;
}

let keyCounter = 0;

export async function startOidcIssuer(): Promise<TestOidcIssuer> {
  const issuer = { keys: [await makeKey(`k${keyCounter++}`)], jwksFetches: 0 } as TestOidcIssuer;
  const server = http.createServer((req, res) => {
    const send = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') return send({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks`, id_token_signing_alg_values_supported: ['ES256', 'RS256'] });
    if (req.url === '/jwks') {
      issuer.jwksFetches++;
      if (issuer.jwksFailure) {
        res.statusCode = issuer.jwksFailure;
        return res.end('unavailable');
      }
      return send({ keys: issuer.keys.map((k) => k.publicJwk) });
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.sign = (claims, key = issuer.keys[issuer.keys.length - 1]!) => signWith(key, { iss: issuer.url, ...claims });
  issuer.rotate = async (keepOld = false) => {
    const key = await makeKey(`k${keyCounter++}`);
    issuer.keys = keepOld ? [...issuer.keys, key] : [key];
    return key;
  };
  issuer.stop = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return issuer;
}

/** Signs claims with a key: iat now and exp in 10 minutes unless the claims give them. */
export function signWith(key: IssuerKey, claims: JWTPayload): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 600, ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** An unsigned token (alg none), as an attacker would send it. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iat: now, exp: now + 600, ...claims })}.`;
}
