/**
 * JSON answers set as text, serialized once per answer object.
 *
 * Given an object, Koa serializes it when it responds, and reading `ctx.length` before
 * that (the metrics middleware counts served bytes) serializes it a second time. The
 * GOPROXY answers are immutable objects the read service keeps (`.info` per version,
 * `@latest` per version list), so their text is kept beside them, for as long as they live.
 */
import type { Context } from 'koa';

const serialized = new WeakMap<object, string>();

/** The JSON text of an answer object, serialized once for as long as the object lives. */
export function jsonText(value: object): string {
  let text = serialized.get(value);
  if (text === undefined) serialized.set(value, (text = JSON.stringify(value)));
  return text;
}

export function setJsonBody(ctx: Context, value: object): void {
  // The type first: a string body would otherwise be typed text/plain.
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = jsonText(value);
}
