// `scripts/run-example.sh examples/FILE.graphql [OPERATION] [name=value ...]`: sends the example
// operations of a file (or the one named) to a running service and prints each answer. Variables
// come from the "# variables:" comment above each operation (see example-operations.ts); name=value
// arguments override them (same "sku:" and "file:" forms). GRAPHQL_URL (default
// http://localhost:4000/graphql) and API_KEY (sent as a Bearer token when set) say where and as whom.
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exampleOperations, PRODUCT_ID_BY_SKU, resolveVariables } from './example-operations.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const url = process.env['GRAPHQL_URL'] ?? 'http://localhost:4000/graphql';
const apiKey = process.env['API_KEY'];

async function send(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const [path, ...rest] = process.argv.slice(2);
  if (!path || path === '--help') {
    console.log('usage: scripts/run-example.sh examples/FILE.graphql [OPERATION] [name=value ...]');
    process.exit(path ? 0 : 2);
  }
  const only = rest[0] && !rest[0].includes('=') ? rest.shift() : undefined;
  const overrides = Object.fromEntries(
    rest.map((argument) => {
      const at = argument.indexOf('=');
      return [argument.slice(0, at), argument.slice(at + 1)];
    }),
  );
  const operations = exampleOperations(ROOT, basename(path)).filter((op) => !only || op.name === only);
  if (operations.length === 0) throw new Error(`no operation ${only ?? ''} in ${path}`);
  const productIdOf = async (sku: string): Promise<string | null> => {
    const answer = (await send(PRODUCT_ID_BY_SKU, { sku })) as {
      data?: { productBySku: { id: string } | null };
    };
    return answer.data?.productBySku?.id ?? null;
  };
  for (const operation of operations) {
    const variables = await resolveVariables(ROOT, { ...operation.variables, ...overrides }, productIdOf);
    console.log(
      `# ${operation.name}${operation.needs.length ? ` (needs ${operation.needs.join(', ')})` : ''}`,
    );
    console.log(JSON.stringify(await send(operation.document, variables), null, 2));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
