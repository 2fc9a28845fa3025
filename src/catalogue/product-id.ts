// The one rule for product ids: a UUID. A malformed id cannot name a product, so callers refuse it
// with BAD_USER_INPUT (or treat it as "not found" where the API returns null) before any query.
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isProductId(value: string): boolean {
  return UUID.test(value);
}

export function productIdProblem(value: string, field: string): FieldProblem | null {
  return isProductId(value)
    ? null
    : { field, message: `${JSON.stringify(value)} is not a product id (a UUID)` };
}

export function assertProductId(value: string, field: string): void {
  const problem = productIdProblem(value, field);
  if (problem) throw new ValidationError([problem]);
}
