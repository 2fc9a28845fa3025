// GraphiQL, served by the service itself (no CDN): the schema's docs, a header editor for the API
// key, and every operation file of examples/ preloaded as a tab.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

const examples = import.meta.glob<string>('../../../examples/*.graphql', {
  query: '?raw',
  import: 'default',
  eager: true,
});

const tabs = Object.entries(examples)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([path, query]) => {
    // The "# variables:" comments hold the demo's values ("sku:X" is looked up by scripts/run-example.sh).
    const file = path.split('/').pop() ?? path;
    return {
      query: `# examples/${file}\n${query}`,
      headers: '{\n  "Authorization": "Bearer <your API key>"\n}',
    };
  });

const fetcher = createGraphiQLFetcher({ url: `${window.location.origin}/graphql` });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <div style={{ height: '100vh' }}>
      <GraphiQL fetcher={fetcher} defaultTabs={tabs} defaultEditorToolsVisibility="headers" />
    </div>
  </StrictMode>,
);
