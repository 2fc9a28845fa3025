// The operations of examples/*.graphql and what each one needs to run on the demo catalogue, read
// from the comment lines right above it:
//   # variables: {"id": "sku:product1", "photo": "file:examples/photos/red-runner.png"}
//   # needs: CLIP
// A variable value "sku:X" stands for the id of the product with SKU X, "file:PATH" for the bytes of
// that file (relative to the project root) in base64; anything else is passed as it is. "needs"
// names a model space without which the operation answers MODEL_UNAVAILABLE (the demo installs no
// CLIP model). The runner script and the test that runs every example share this reading.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, type OperationDefinitionNode, parse, print } from 'graphql';

export interface ExampleOperation {
  readonly file: string;
  readonly name: string;
  readonly kind: 'query' | 'mutation' | 'subscription';
  /** The operation alone, ready to send. */
  readonly document: string;
  /** Variable values as written in the comment, before resolving sku: and file: references. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly needs: readonly string[];
}

export function exampleOperations(root: string, file: string): ExampleOperation[] {
  const source = readFileSync(join(root, 'examples', file), 'utf8');
  const lines = source.split('\n');
  return parse(source)
    .definitions.filter((node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      if (!operation.name) throw new Error(`examples/${file}: every example operation needs a name`);
      const comments: string[] = [];
      for (let line = (operation.loc?.startToken.line ?? 1) - 2; line >= 0; line--) {
        const text = lines[line]!.trim();
        if (!text.startsWith('#')) break;
        comments.unshift(text.slice(1).trim());
      }
      const variablesLine = comments.find((comment) => comment.startsWith('variables:'));
      const needsLine = comments.find((comment) => comment.startsWith('needs:'));
      return {
        file,
        name: operation.name.value,
        kind: operation.operation,
        document: print(operation),
        variables: variablesLine
          ? (JSON.parse(variablesLine.slice('variables:'.length)) as Record<string, unknown>)
          : {},
        needs: needsLine
          ? needsLine
              .slice('needs:'.length)
              .split(',')
              .map((space) => space.trim())
              .filter(Boolean)
          : [],
      };
    });
}

/** Resolves "sku:" and "file:" references; `productIdOf` looks a SKU up (null when absent). */
export async function resolveVariables(
  root: string,
  variables: Readonly<Record<string, unknown>>,
  productIdOf: (sku: string) => Promise<string | null>,
): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value === 'string' && value.startsWith('sku:')) {
      const sku = value.slice('sku:'.length);
      const id = await productIdOf(sku);
      if (id === null) throw new Error(`variable $${name}: no product has SKU ${sku}`);
      resolved[name] = id;
    } else if (typeof value === 'string' && value.startsWith('file:')) {
      resolved[name] = readFileSync(join(root, value.slice('file:'.length))).toString('base64');
    } else {
      resolved[name] = value;
    }
  }
  return resolved;
}

export const PRODUCT_ID_BY_SKU = 'query ProductIdBySku($sku: String!) { productBySku(sku: $sku) { id } }';
