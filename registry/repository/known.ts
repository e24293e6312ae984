/**
 * What a synchronous look-up answers when only the database knows: the read cache holds
 * most answers of the GOPROXY read path, and asking it without a promise is what lets a
 * warm hit be answered in one go (http/lean-goproxy.ts). Callers fall back to the
 * asynchronous look-up, which gives the same answer, on UNKNOWN.
 */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Known<T> = T | typeof UNKNOWN;
