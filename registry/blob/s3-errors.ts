/** What an S3-compatible server's refusals mean: absent, out of range, or a message naming the problem. */

export interface S3Error {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function isMissing(err: unknown): boolean {
  const e = err as S3Error;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

export function isInvalidRange(err: unknown): boolean {
  const e = err as S3Error;
  return e?.name === 'InvalidRange' || e?.$metadata?.httpStatusCode === 416;
}

export function explain(err: unknown): string {
  const e = err as S3Error & { message?: string; code?: string };
  const status = e?.$metadata?.httpStatusCode;
  if (status === 404) return 'no such bucket (404)';
  if (status === 403) return 'access denied (403): check the credentials and the bucket policy';
  if (status === 301) return 'the bucket is in another region (301): set S3_REGION';
  if (status !== undefined && status >= 500) return `the server failed (${status}${e?.name ? ` ${e.name}` : ''})`;
  return [e?.name, e?.code, e?.message].filter(Boolean).join(': ') || String(err);
}
