// Text the service can neither store nor keep intact is refused before any resolver runs: Postgres
// rejects NUL in `text`, and a lone UTF-16 surrogate would be silently replaced on its way to UTF-8.
// One check over every string argument of every operation, so no field can forget it.
import { type ApolloServerPlugin } from '@apollo/server';
import { type GraphQLSchema } from 'graphql';
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
          const variables = coercedVariables(schema, operation, request.variables);
          // Variables that do not coerce fail in execution, before any resolver, with their own error.
          if (!variables) return Promise.resolve();
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
