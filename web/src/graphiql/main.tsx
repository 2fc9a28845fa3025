// GraphiQL, served by the service itself (no CDN): the schema's docs, a header editor for the API
// key, and every operation file of examples/ preloaded as a tab.
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { Kind, parse } from 'graphql';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

// Public operations need no key; for ADMIN or ANALYST ones, add {"Authorization": "Bearer <key>"}
// in the Headers editor (a placeholder key would be refused, and counted as a failed sign-in).
const HEADERS = '{}';

const examples = import.meta.glob<string>('../../../examples/*.graphql', {
  query: '?raw',
  import: 'default',
  eager: true,
});

// One tab per example operation, with the comments above it (they say what it shows and, in
// "# variables:", the demo's values: "sku:X" stands for the id of the product with SKU X).
const tabs = Object.entries(examples)
  .sort(([a], [b]) => a.localeCompare(b))
  .flatMap(([path, source]) => {
    const file = path.split('/').pop() ?? path;
    let from = 0;
    return parse(source).definitions.map((definition) => {
      const end = definition.loc?.end ?? source.length;
      const text = source.slice(from, end).trim();
      from = end;
      return { query: `# examples/${file}\n${text}\n`, headers: HEADERS };
    });
  });

const baseFetcher = createGraphiQLFetcher({ url: `${window.location.origin}/graphql` });

/** The names of the operations a document defines ([] when it does not parse). */
function operationNames(query: string): string[] {
  try {
    return parse(query).definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
    );
  } catch {
    return [];
  }
}

// GraphiQL can send the operation name of the tab that was open first after switching tabs or
// editing (graphql/graphiql#3632: "Unknown operation named …"); a name the document does not define
// is replaced by its only operation's name, or left out.
const fetcher: Fetcher = (params, options) => {
  const names = operationNames(params.query);
  const operationName =
    params.operationName && !names.includes(params.operationName)
      ? names.length === 1
        ? names[0]
        : undefined
      : params.operationName;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- the toolkit's return type names graphql-ws types, an optional dependency not installed here
  return baseFetcher({ ...params, operationName }, options);
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <div style={{ height: '100vh' }}>
      <GraphiQL fetcher={fetcher} defaultTabs={tabs} defaultEditorToolsVisibility="headers" />
    </div>
  </StrictMode>,
);
