// What an operation was given: its variables coerced to the schema's input types, and every
// argument value of every field it selects, named by its argument path (`input.like[0].text`).
import {
  type DocumentNode,
  getArgumentValues,
  getVariableValues,
  type GraphQLSchema,
  type OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';

interface Coercion {
  readonly schema: GraphQLSchema;
  readonly operation: OperationDefinitionNode | undefined;
  readonly variables: unknown;
  readonly coerced: Record<string, unknown> | undefined;
}

/**
 * The coercion of each request's variables. The complexity budget and the text check both need
 * them for the same request (5–30 µs each time), so the second gets what the first computed.
 */
const coercions = new WeakMap<object, Coercion>();

/** The operation's variables as resolvers will see them, or undefined when they do not coerce. */
export function coercedVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode | undefined,
  request: { readonly variables?: Readonly<Record<string, unknown>> | undefined },
): Record<string, unknown> | undefined {
  const { variables } = request;
  const known = coercions.get(request);
  if (known?.schema === schema && known.operation === operation && known.variables === variables) {
    return known.coerced;
  }
  const result = getVariableValues(schema, operation?.variableDefinitions ?? [], variables ?? {});
  const coerced = result.errors ? undefined : result.coerced;
  coercions.set(request, { schema, operation, variables, coerced });
  return coerced;
}

/**
 * Calls `visitor` with the coerced value of every argument of every field in the document
 * (operation and fragments), literals and variables alike. Fields whose arguments do not coerce
 * are skipped: validation and execution report those.
 */
export function forEachArgument(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>>,
  visitor: (argumentName: string, value: unknown) => void,
): void {
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        if (!field || !node.arguments?.length) return;
        let values: Record<string, unknown>;
        try {
          values = getArgumentValues(field, node, variables);
        } catch {
          return;
        }
        for (const [name, value] of Object.entries(values)) visitor(name, value);
      },
    }),
  );
}

/** Every string inside a coerced input value, with its path below `root`. */
export function forEachString(
  root: string,
  value: unknown,
  visitor: (path: string, text: string) => void,
): void {
  if (typeof value === 'string') {
    visitor(root, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => forEachString(`${root}[${index}]`, item, visitor));
  } else if (isInputObject(value)) {
    for (const [key, item] of Object.entries(value)) forEachString(`${root}.${key}`, item, visitor);
  }
}

/**
 * A coerced input object: a plain object (from variables) or a null-prototype one (from literals).
 * Anything else (a Date, a Buffer) is a custom scalar's own value, not client text.
 */
function isInputObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}
