/** Reads a small JSON request body (admin API), bounded so a client cannot make it large. */
import type { Context } from 'koa';
import { invalid, tooLarge } from '../domain/domain-error.js';

const MAX_JSON_BYTES = 64 * 1024;

export async function readJson(ctx: Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES) throw tooLarge(`request body too large: the limit is ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(`invalid request body: not JSON (${(err as Error).message})`);
  }
}
