// Builds the pages people look at (storefront, analyst, admin, GraphiQL) into dist/web, which the
// service serves (src/pages/web-pages.ts). `npm run build` runs it; scripts/build-web.mjs skips it
// when nothing under web/ or the lock file changed.
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  plugins: [react()],
  server: { proxy: { '/graphql': 'http://localhost:4000', '/products': 'http://localhost:4000' } },
  build: {
    outDir: resolve(root, '../dist/web'),
    emptyOutDir: true,
    // GraphiQL's editor (Monaco) is large; it loads only on /graphql.
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // GraphiQL's packages start modules with React-compiler directives ("use no memo") that a
      // bundle cannot keep; harmless, and not ours to fix.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
      input: {
        index: resolve(root, 'index.html'),
        analyst: resolve(root, 'analyst.html'),
        admin: resolve(root, 'admin.html'),
        graphiql: resolve(root, 'graphiql.html'),
      },
    },
  },
});
