// Shape limits on one operation, checked before any resolver runs (HTTP 400): a token count while
// parsing (graphql's own parser limit, GRAPHQL_PARSE_FAILED), then while validating
// (GRAPHQL_VALIDATION_FAILED) aliases, directives and depth from graphql-armor, and the number of
// root fields, which armor does not count. The complexity budget is query-complexity.ts.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  type ASTVisitor,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  readonly maxTokens: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxDepth: number;
  readonly maxRootFields: number;
}

/** Root fields an operation selects (through fragments), `__typename` aside. */
function rootFieldCount(
  context: ValidationContext,
  selectionSet: SelectionSetNode,
  seen: Set<string>,
): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') count += 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += rootFieldCount(context, selection.selectionSet, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += rootFieldCount(context, fragment.selectionSet, seen);
    }
  }
  return count;
}

export function maxRootFieldsRule(maximum: number): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(operation) {
      const count = rootFieldCount(context, operation.selectionSet, new Set());
      if (count > maximum) {
        context.reportError(
          new GraphQLError(
            `Root field limit of ${maximum} (MAX_ROOT_FIELDS) exceeded, found ${count}: send fewer fields per operation`,
            { nodes: [operation] },
          ),
        );
      }
    },
  });
}

/** Apollo options enforcing the limits. */
export function queryLimits(limits: QueryLimits): {
  parseOptions: { maxTokens: number };
  validationRules: ValidationRule[];
} {
  const armor = new ApolloArmor({
    // graphql's parser counts tokens itself and fails with a parse error; armor's plugin would
    // throw from a hook instead.
    maxTokens: { enabled: false },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    // Counts the root field as level 1 and fragments as no level, like graphql-depth-limit did + 1.
    maxDepth: { n: limits.maxDepth, flattenFragments: true },
    // Its fixed per-field weights cannot say "a list costs k × its items": query-complexity.ts does.
    costLimit: { enabled: false },
    // Apollo's hideSchemaDetailsFromClientErrors covers "Did you mean …" in production.
    blockFieldSuggestion: { enabled: false },
  });
  return {
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [...armor.protect().validationRules, maxRootFieldsRule(limits.maxRootFields)],
  };
}
