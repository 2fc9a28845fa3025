// The complexity budget of one operation: every list field costs its page size times the cost of
// its items, and every root field that runs a vector query costs a base price of its own on top,
// so a thousand aliased `similarProducts(k: 1)` cannot pass as "cheap".
import { createRequire } from 'node:module';
import { type ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type GraphQLSchema } from 'graphql';
import type * as QueryComplexity from 'graphql-query-complexity';
import { type ComplexityEstimator } from 'graphql-query-complexity';
import { operationRefused } from './error-formatter.js';
import { coercedVariables } from './operation-inputs.js';

// graphql-query-complexity's ES build imports `graphql/index.mjs`, a second copy of graphql beside
// the CommonJS one every other package loads, and graphql refuses schemas from "another realm".
// Its CommonJS build shares the one copy.
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof QueryComplexity;

/**
 * Field extensions marking a field whose resolver runs a vector query (or a model): the budget
 * charges it `vectorQueryCost` on top of its list complexity. Use as `@Extensions(VECTOR_QUERY)`.
 */
export const VECTOR_QUERY = { vectorQuery: true } as const;

// Estimators read list sizes (numbers) and nothing else of the arguments, and `@skip`/`@include`
// read booleans: an operation's complexity follows from its document, its name and the numbers,
// booleans and shape of its variables, never from a string. So it is remembered per document under
// its variables with every string blanked — the same query for another product costs one lookup
// instead of a walk over the document (~90 µs). An estimator that reads a string must not be added.

/** Complexity of a list field whose size is the argument `argName` (or `fallback`). */
export function listComplexity(argName: string, fallback: number): ComplexityEstimator {
  return ({ args, childComplexity }) => {
    const requested: unknown = args[argName];
    const size = typeof requested === 'number' ? requested : fallback;
    return 1 + Math.max(1, size) * Math.max(1, childComplexity);
  };
}

/** The field's own complexity (its `complexity` option) plus the base cost of a vector query. */
function vectorQueryEstimator(vectorQueryCost: number): ComplexityEstimator {
  const ownComplexity = fieldExtensionsEstimator();
  return (options) => {
    const extensions = options.field.extensions as { vectorQuery?: boolean } | undefined;
    if (!extensions?.vectorQuery) return undefined;
    return vectorQueryCost + (ownComplexity(options) ?? 1 + options.childComplexity);
  };
}

export function complexityLimitPlugin(
  schema: GraphQLSchema,
  limits: { maximum: number; vectorQueryCost: number },
): ApolloServerPlugin {
  const estimators = [
    vectorQueryEstimator(limits.vectorQueryCost),
    fieldExtensionsEstimator(),
    simpleEstimator({ defaultComplexity: 1 }),
  ];
  const remembered = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ request, document, operation }) {
          // Variables that do not coerce are the client's mistake, and Apollo reports them itself
          // (400, BAD_USER_INPUT naming the variable) when it executes; getComplexity would throw.
          const variables = coercedVariables(schema, operation, request);
          if (!variables) return Promise.resolve();
          // Keyed on the coerced variables: only the declared ones (getComplexity ignores the rest,
          // and a raw undeclared one could be nested too deep to serialise), shaped by their types.
          const key = complexityKey(request.operationName, variables);
          let complexity = key === null ? undefined : remembered.get(document)?.get(key);
          if (complexity === undefined) {
            complexity = getComplexity({
              schema,
              query: document,
              ...(request.operationName ? { operationName: request.operationName } : {}),
              variables: request.variables ?? {},
              estimators,
            });
            if (key !== null) remember(remembered, document, key, complexity);
          }
          if (complexity > limits.maximum) {
            return Promise.reject(
              operationRefused(
                `The query is too complex: complexity ${complexity} exceeds the limit of ${limits.maximum} (MAX_QUERY_COMPLEXITY); ask for fewer items or fields`,
              ),
            );
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/** Longest key remembered, and how many keys per document (then that document's are dropped). */
const MAX_KEY_CHARS = 2_048;
const MAX_KEYS_PER_DOCUMENT = 256;

/** The operation name and the variables with every string blanked; null when too long to keep. */
function complexityKey(operationName: string | null | undefined, variables: unknown): string | null {
  const key = `${operationName ?? ''}\n${JSON.stringify(variables ?? {}, (_, value: unknown) =>
    typeof value === 'string' ? '' : value,
  )}`;
  return key.length <= MAX_KEY_CHARS ? key : null;
}

function remember(
  remembered: WeakMap<DocumentNode, Map<string, number>>,
  document: DocumentNode,
  key: string,
  complexity: number,
): void {
  let keys = remembered.get(document);
  if (!keys || keys.size >= MAX_KEYS_PER_DOCUMENT)
    remembered.set(document, (keys = new Map<string, number>()));
  keys.set(key, complexity);
}
