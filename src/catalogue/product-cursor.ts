// Opaque Relay cursors: base64url of the (createdAt, id) sort key of the last row seen.
import { ValidationError } from '../errors/domain-errors.js';
import { isProductId } from './product-id.js';

export interface ProductCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export function encodeCursor(cursor: ProductCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id]), 'utf8').toString(
    'base64url',
  );
}

export function decodeCursor(value: string, field = 'after'): ProductCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string'
    ) {
      const createdAt = new Date(parsed[0]);
      if (!Number.isNaN(createdAt.getTime()) && isProductId(parsed[1])) return { createdAt, id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw ValidationError.single(field, 'is not a cursor returned by this API');
}
