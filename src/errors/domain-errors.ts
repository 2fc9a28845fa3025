// Errors services throw. Each carries a stable code; src/errors/error-formatter.ts is the one place
// that turns them into GraphQL errors with `extensions.code`.

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  MODEL_UNAVAILABLE = 'MODEL_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** The service cannot answer right now (database outage, body budget full): retry after Retry-After. */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  /** Too many failed authentications or expensive operations from one client: HTTP 429, Retry-After. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The request ran longer than REQUEST_TIMEOUT_MS: HTTP 504. */
  REQUEST_TIMEOUT = 'REQUEST_TIMEOUT',
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe details copied into `extensions`. */
  readonly details: Readonly<Record<string, unknown>> = {};
}

/** One invalid field of a request. `field` is a path such as `inputs[2].attributes[0].value`. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export class ValidationError extends DomainError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  override readonly details: { field: string; problems: readonly FieldProblem[] };

  constructor(readonly problems: readonly FieldProblem[]) {
    const [first] = problems;
    if (!first) throw new TypeError('ValidationError needs at least one problem');
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
    super(`${first.field}: ${first.message}${more}`);
    this.details = { field: first.field, problems };
  }

  static single(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class NotFoundError extends DomainError {
  readonly code = ErrorCode.NOT_FOUND;
  override readonly details: { field?: string; id: string };

  constructor(
    readonly entity: string,
    id: string,
    field?: string,
  ) {
    super(`${entity} ${JSON.stringify(id)} does not exist`);
    this.details = field ? { field, id } : { id };
  }
}

export class ProductNotFoundError extends NotFoundError {
  constructor(id: string, field = 'id') {
    super('Product', id, field);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = ErrorCode.UNAUTHENTICATED;
}

export class ForbiddenError extends DomainError {
  readonly code = ErrorCode.FORBIDDEN;
}

export class ModelUnavailableError extends DomainError {
  readonly code = ErrorCode.MODEL_UNAVAILABLE;
  override readonly details: { modelId: string; installCommand: string };

  constructor(modelId: string, reason: string) {
    const installCommand = `npm run models:download ${modelId}`;
    super(`Model ${modelId} is not available (${reason}); install it with \`${installCommand}\``);
    this.details = { modelId, installCommand };
  }
}

/** The BEHAVIOR space has no trained model yet (MODEL_UNAVAILABLE, saying how to get one). */
export class BehaviorModelUnavailableError extends DomainError {
  readonly code = ErrorCode.MODEL_UNAVAILABLE;
  override readonly details: { modelId: string; trainWith: string };

  constructor() {
    super(
      'The BEHAVIOR space has no trained model yet: record interactions, then run the trainBehaviorModel mutation (or set BEHAVIOR_RETRAIN_INTERVAL)',
    );
    this.details = { modelId: 'behavior', trainWith: 'mutation { trainBehaviorModel { state } }' };
  }
}

/** An image that cannot be fetched, decoded or accepted (BAD_USER_INPUT, naming the field). */
export class InvalidImageError extends DomainError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  override readonly details: { field: string; reason: string };

  constructor(
    field: string,
    reason: string,
    readonly reasonMessage: string,
  ) {
    super(`${field}: ${reasonMessage}`);
    this.details = { field, reason };
  }
}

/**
 * Runs `work`; an error it throws about a field comes back with that field renamed. A caller that
 * hands its arguments to another service under other names (`similarProducts(productId)` →
 * `like[0].productId`) translates the paths back into its own.
 */
export async function withFieldsRenamed<T>(
  rename: (field: string) => string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(
        error.problems.map((problem) => ({ ...problem, field: rename(problem.field) })),
      );
    }
    if (error instanceof NotFoundError && error.details.field !== undefined) {
      throw new NotFoundError(error.entity, error.details.id, rename(error.details.field));
    }
    if (error instanceof InvalidImageError) {
      throw new InvalidImageError(rename(error.details.field), error.details.reason, error.reasonMessage);
    }
    throw error;
  }
}

/** `prefix.field`: the request's fields as parts of one argument (`input.like[0]`). */
export const underArgument =
  (argument: string) =>
  (field: string): string =>
    `${argument}.${field}`;
