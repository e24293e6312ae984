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
  | 'TooLarge';

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
