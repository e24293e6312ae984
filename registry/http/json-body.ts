/** Reads small request bodies (admin API), bounded so a client cannot make them large. */
import type { Context } from 'koa';
import { invalid, tooLarge } from '../domain/domain-error.js';

const MAX_JSON_BYTES = 64 * 1024;

/** The body as UTF-8 text; a 413 past maxBytes, a 400 when it is not valid UTF-8. */
export async function readText(ctx: Context, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(`request body too large: the limit is ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw invalid('invalid request body: not UTF-8 text');
  }
}

export async function readJson(ctx: Context): Promise<unknown> {
  const text = await readText(ctx, MAX_JSON_BYTES);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(`invalid request body: not JSON (${(err as Error).message})`);
  }
}
