/**
 * Errors the domain and storage layers throw. Only `http/error-mapper.ts` turns a
 * kind into an HTTP status, so lower layers never speak HTTP.
 */
export type DomainErrorKind =
  | 'Invalid'
  | 'NotFound'
  | 'Conflict'
  | 'Unauthorized'
  | 'Forbidden'
  | 'TooLarge'
  /** A dependency (the database) is down for now: the client should retry. */
  | 'Unavailable'
  /** The blob store has no space left for this upload. */
  | 'InsufficientStorage'
  /** An upstream proxy or checksum database failed, answered nonsense, or sent bytes that do not verify. */
  | 'UpstreamFailed'
  /** An upstream did not answer within its deadline. */
  | 'UpstreamTimeout';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string) => new DomainError('Invalid', message);
export const notFound = (message: string) => new DomainError('NotFound', message);
export const conflict = (message: string) => new DomainError('Conflict', message);
export const tooLarge = (message: string) => new DomainError('TooLarge', message);
export const unavailable = (message: string) => new DomainError('Unavailable', message);
export const insufficientStorage = (message: string) => new DomainError('InsufficientStorage', message);

/** A full disk or an exhausted quota, as the file system reports it. */
export const isOutOfSpace = (err: unknown) => ['ENOSPC', 'EDQUOT'].includes((err as { code?: string } | undefined)?.code ?? '');
export const outOfSpace = () => insufficientStorage('the registry has no storage space left for this upload; nothing was stored');
export const upstreamFailed = (message: string) => new DomainError('UpstreamFailed', message);
export const upstreamTimeout = (message: string) => new DomainError('UpstreamTimeout', message);
