// Text the service can neither store nor keep intact is refused before any resolver runs: Postgres
// rejects NUL in `text`, and a lone UTF-16 surrogate would be silently replaced on its way to UTF-8.
// One check over every string argument of every operation, so no field can forget it.
import { type ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, type GraphQLSchema, Kind, visit } from 'graphql';
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { operationRefused } from './error-formatter.js';
import { coercedVariables, forEachArgument, forEachString } from './operation-inputs.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be accepted, or null. */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode: it contains a lone surrogate';
  return null;
}

export function inputTextPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ request, document, operation }) {
          const variables = coercedVariables(schema, operation, request);
          // Variables that do not coerce fail in execution, before any resolver, with their own error.
          if (!variables) return Promise.resolve();
          // Every string an argument can hold comes from the coerced variables (only the declared
          // ones, shaped by their types) or a literal of the document: when none of those has a
          // problem (the usual case) the walk over every argument with its type (~50 µs) is skipped.
          if (!someTextProblem(variables) && !documentTextProblem(document)) return Promise.resolve();
          const problems: FieldProblem[] = [];
          forEachArgument(schema, document, variables, (argument, value) =>
            forEachString(argument, value, (field, text) => {
              const message = textProblem(text);
              if (message) problems.push({ field, message });
            }),
          );
          if (problems.length === 0) return Promise.resolve();
          return Promise.reject(operationRefused(new ValidationError(problems)));
        },
      });
    },
  };
}

/** Whether any string inside coerced variables (plain objects, arrays, scalars) has a textProblem. */
function someTextProblem(value: unknown): boolean {
  if (typeof value === 'string') return textProblem(value) !== null;
  if (Array.isArray(value)) return value.some(someTextProblem);
  if (value !== null && typeof value === 'object') return Object.values(value).some(someTextProblem);
  return false;
}

/** Per parsed document (Apollo reuses one per distinct query): whether a string literal has a textProblem. */
const documentProblems = new WeakMap<DocumentNode, boolean>();

function documentTextProblem(document: DocumentNode): boolean {
  let found = documentProblems.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      [Kind.STRING](node) {
        if (textProblem(node.value) !== null) found = true;
      },
    });
    documentProblems.set(document, found);
  }
  return found;
}
