// The rules of an event batch, checked before anything is written: its size, and per event the
// one-of product reference, the lengths of tokens and the timestamp. Problems name the event's
// index and field (`events[3].sku`). Unknown products are checked afterwards, in one query.
import { isProductId } from '../catalogue/product-id.js';
import { userTokenProblem } from '../behavior/shopper-profile.service.js';
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { type InteractionInput, MAX_EVENTS_PER_CALL, MAX_TOKEN_LENGTH } from './interaction.domain.js';

/** An optional or required token: 1–MAX_TOKEN_LENGTH characters, not only white space. */
function tokenProblem(
  value: string | null | undefined,
  field: string,
  required: boolean,
): FieldProblem | null {
  if (value == null) return required ? { field, message: 'is required' } : null;
  if (value.trim().length === 0) return { field, message: 'must not be empty' };
  if (value.length > MAX_TOKEN_LENGTH)
    return { field, message: `must be at most ${MAX_TOKEN_LENGTH} characters, got ${value.length}` };
  return null;
}

/**
 * Checks every event of a batch without the database; throws one ValidationError listing every
 * problem. `now` and `maxClockSkewMs` bound occurredAt: a client's clock may run a little fast.
 */
export function checkBatch(
  events: readonly InteractionInput[],
  context: { readonly now: Date; readonly maxClockSkewMs: number; readonly field: string },
): void {
  const { field } = context;
  if (events.length > MAX_EVENTS_PER_CALL) {
    throw ValidationError.single(
      field,
      `holds ${events.length} events; at most ${MAX_EVENTS_PER_CALL} may be sent in one call`,
    );
  }
  const latest = context.now.getTime() + context.maxClockSkewMs;
  const problems: FieldProblem[] = [];
  const push = (problem: FieldProblem | null): void => {
    if (problem) problems.push(problem);
  };
  events.forEach((event, index) => {
    const at = `${field}[${index}]`;
    push(userTokenProblem(event.userToken, `${at}.userToken`));
    push(tokenProblem(event.eventId, `${at}.eventId`, false));
    push(tokenProblem(event.orderId, `${at}.orderId`, false));
    if ((event.productId == null) === (event.sku == null)) {
      problems.push({ field: `${at}.productId`, message: 'give exactly one of productId and sku' });
    } else if (event.productId != null && !isProductId(event.productId)) {
      problems.push({
        field: `${at}.productId`,
        message: `${JSON.stringify(event.productId)} is not a product id (a UUID)`,
      });
    } else {
      push(tokenProblem(event.sku, `${at}.sku`, false));
    }
    const occurredAt = event.occurredAt;
    if (occurredAt != null) {
      if (Number.isNaN(occurredAt.getTime())) {
        problems.push({ field: `${at}.occurredAt`, message: 'is not a valid date' });
      } else if (occurredAt.getTime() > latest) {
        problems.push({
          field: `${at}.occurredAt`,
          message: `lies in the future (${occurredAt.toISOString()}; the server's clock says ${context.now.toISOString()}, and at most ${context.maxClockSkewMs / 1000} s of clock skew is allowed)`,
        });
      }
    }
  });
  if (problems.length > 0) throw new ValidationError(problems);
}
