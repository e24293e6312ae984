/** The OpenAPI 3.1 document of the admin API, built from the same zod schemas the routes validate with. */
import { z } from 'zod';
import { OwnerPutBody, TokenPutBody } from './admin-schemas.js';

const text = { 'text/plain': { schema: { type: 'string' } } };
const errors = {
  '400': { description: 'Invalid path or body; the text names the field', content: text },
  '401': { description: 'No or invalid credentials', content: text },
  '403': { description: 'Not the admin token', content: text },
};
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const ownerParam = { name: 'owner', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9._-]{1,64}$' } };
const tokenParam = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$' } };

const Token = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    scopes: { type: 'array', items: { enum: ['read', 'write'] } },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    token: { type: 'string', description: 'Only in the answer that created the token with a generated secret' },
  },
  required: ['name', 'scopes', 'createdAt'],
};
const Owner = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    visibility: { enum: ['public', 'limited', 'private'] },
    managedBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    tokens: { type: 'array', items: { $ref: '#/components/schemas/Token' } },
  },
  required: ['name', 'visibility', 'createdAt', 'updatedAt', 'tokens'],
};

const counts = Object.fromEntries(['fetched', 'cached', 'hosted', 'mismatch', 'failed', 'invalid'].map((k) => [k, { type: 'integer' }]));
const PrefetchReport = {
  type: 'object',
  properties: {
    ...counts,
    modules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          module: { type: 'string', description: 'path@version, with /go.mod when the go.sum named only the go.mod' },
          result: { enum: ['fetched', 'cached', 'hosted', 'mismatch', 'failed', 'invalid'] },
          error: { type: 'string' },
        },
        required: ['module', 'result'],
      },
    },
  },
};

const Principal = {
  type: 'object',
  properties: {
    kind: { type: 'string', description: '"admin", or "token" for an owner token' },
    owner: { type: 'string' },
    name: { type: 'string', description: "The token's name" },
    scopes: { type: 'array', items: { enum: ['read', 'write'] } },
  },
  required: ['kind'],
};

let cached: unknown;

export function adminOpenApi(): unknown {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'go-registry admin API', version: '1' },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' }, ownerToken: { type: 'http', scheme: 'bearer', description: "An owner's token (also as the Basic password)" } },
      schemas: { OwnerPut: z.toJSONSchema(OwnerPutBody), TokenPut: z.toJSONSchema(TokenPutBody), Owner, Token, PrefetchReport, Principal },
    },
    security: [{ adminToken: [] }],
    paths: {
      '/api/admin/owners': {
        get: { summary: 'List owners with their tokens', responses: { '200': { description: 'Owners', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Owner' } } } } }, ...errors } },
      },
      '/api/admin/owners/{owner}': {
        parameters: [ownerParam],
        get: { summary: 'One owner', responses: { '200': { description: 'The owner', content: json('Owner') }, '404': { description: 'No such owner', content: text }, ...errors } },
        put: {
          summary: 'Create or update an owner (idempotent)',
          requestBody: { required: true, content: json('OwnerPut') },
          responses: { '200': { description: 'Updated or unchanged', content: json('Owner') }, '201': { description: 'Created', content: json('Owner') }, '409': { description: 'Managed by another managedBy', content: text }, ...errors },
        },
        delete: {
          summary: 'Delete an owner',
          parameters: [{ name: 'force', in: 'query', schema: { type: 'boolean' }, description: 'Also delete its module versions' }],
          responses: { '204': { description: 'Deleted' }, '404': { description: 'No such owner', content: text }, '409': { description: 'Has module versions and force is not set', content: text }, ...errors },
        },
      },
      '/api/admin/owners/{owner}/managed-by/{id}': {
        parameters: [ownerParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        delete: {
          summary: 'Release the claim of managedBy {id} on the owner (idempotent)',
          responses: { '204': { description: 'Released, or not claimed' }, '404': { description: 'No such owner', content: text }, '409': { description: 'Managed by another id', content: text }, ...errors },
        },
      },
      '/api/admin/owners/{owner}/tokens/{name}': {
        parameters: [ownerParam, tokenParam],
        put: {
          summary: 'Create or update a token (idempotent for the same secret)',
          requestBody: { required: true, content: json('TokenPut') },
          responses: { '200': { description: 'Updated or unchanged', content: json('Token') }, '201': { description: 'Created', content: json('Token') }, '404': { description: 'No such owner', content: text }, ...errors },
        },
        delete: { summary: 'Revoke a token', responses: { '204': { description: 'Revoked' }, '404': { description: 'No such token', content: text }, ...errors } },
      },
      '/api/v1/whoami': {
        get: {
          summary: 'Who the presented credential is: the admin, or an owner token with its name and scopes (go-registry whoami, login)',
          security: [{ adminToken: [] }, { ownerToken: [] }],
          responses: {
            '200': { description: 'The principal', content: { 'application/json': { schema: { $ref: '#/components/schemas/Principal' } } } },
            '401': { description: 'No, invalid, revoked or expired credential', content: text },
          },
        },
      },
      '/api/admin/sumdb': {
        get: {
          summary: "The registry's own checksum database: its name, verifier key (for GOSUMDB) and the size of its log",
          responses: {
            '200': { description: 'The database', content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' }, verifierKey: { type: 'string' }, size: { type: 'integer' } }, required: ['name', 'verifierKey', 'size'] } } } },
            ...errors,
          },
        },
      },
      '/api/admin/sumdb/records': {
        get: {
          summary: 'Records of the checksum database with the owner hosting each (null: a public module the cache verified), for auditors',
          parameters: [
            { name: 'from', in: 'query', schema: { type: 'integer', minimum: 0 } },
            { name: 'count', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: {
            '200': { description: 'Records in id order', content: { 'application/json': { schema: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, modulePath: { type: 'string' }, version: { type: 'string' }, owner: { type: ['string', 'null'] } } } } } } },
            ...errors,
          },
        },
      },
      '/api/admin/cache/prefetch': {
        post: {
          summary: 'Warm the pull-through cache with every module version a go.sum (or a go.mod\'s require directives) names',
          requestBody: { required: true, content: text },
          responses: {
            '200': { description: 'One line per module version, and counts by result', content: { 'application/json': { schema: { $ref: '#/components/schemas/PrefetchReport' } } } },
            '413': { description: 'Body over 4 MiB or more than 20,000 module versions', content: text },
            ...errors,
          },
        },
      },
      '/api/admin/cache/modules/{module}': {
        parameters: [
          { name: 'module', in: 'path', required: true, schema: { type: 'string' }, description: 'Module path, slashes as they are' },
          { name: 'version', in: 'query', schema: { type: 'string' }, description: 'Evict only this version' },
        ],
        delete: {
          summary: 'Evict a cached module (or one version), with its @v/list and @latest answers',
          responses: {
            '200': { description: 'The versions evicted', content: { 'application/json': { schema: { type: 'object', properties: { evicted: { type: 'array', items: { type: 'string' } } } } } } },
            '404': { description: 'Not in the cache', content: text },
            ...errors,
          },
        },
      },
    },
  };
  return cached;
}
