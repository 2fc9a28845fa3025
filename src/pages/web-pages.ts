// What people look at, over plain HTTP: the pages built from web/ into dist/web (the storefront at
// /, the analyst page at /analyst, the admin page at /admin), GraphiQL for a browser's GET /graphql
// (served by the app itself, so it works offline), and the stored product photos the pages show.
// The pages talk to the public GraphQL API like any client; nothing here bypasses it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { type ProductService } from '../catalogue/product.service.js';

/**
 * For the HTML pages and their bundles: everything from this origin only. Inline style attributes
 * are allowed (the plotting library and the GraphQL editor set them); scripts never inline.
 */
const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/analyst': 'analyst.html',
  '/admin': 'admin.html',
};

export function webPages(options: {
  products: ProductService;
  webDir: string;
  /** The events key the storefront records VIEW/CLICK with; null: it records nothing. */
  storefrontEventsKey: string | null;
}): Router {
  const { products, webDir, storefrontEventsKey } = options;
  const router = express.Router();

  // What the storefront page needs to know at run time. Only an EVENTS key ever goes here: it can
  // record interactions and nothing else (config.ts refuses any other key).
  router.get('/storefront-config.json', (_request, response) => {
    response.setHeader('Cache-Control', 'no-store');
    response.json({ eventsKey: storefrontEventsKey });
  });

  router.get('/products/:id/photo', async (request: Request<{ id: string }>, response: Response) => {
    const photo = await products.photo(request.params.id);
    if (!photo) {
      response.status(404).json({ error: 'no such product photo' });
      return;
    }
    const etag = `"${photo.sha256}"`;
    const versioned = request.query['v'] === photo.sha256.slice(0, 16);
    response.setHeader('ETag', etag);
    response.setHeader(
      'Cache-Control',
      versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate',
    );
    if (request.headers['if-none-match'] === etag) {
      response.status(304).end();
      return;
    }
    response.type('image/jpeg').send(photo.bytes);
  });

  const page = (file: string) => (_request: Request, response: Response) => {
    const path = join(webDir, file);
    if (!existsSync(path)) {
      response
        .status(503)
        .type('text/plain')
        .send('The web pages are not built: run `npm run build` (npm start and npm test build them).\n');
      return;
    }
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('Content-Security-Policy', PAGE_CONTENT_SECURITY_POLICY);
    response.sendFile(path);
  };
  for (const [route, file] of Object.entries(PAGES)) router.get(route, page(file));
  // A browser opening the endpoint gets the IDE; API clients (POST, or GET asking for JSON) go on.
  router.get('/graphql', (request, response, next) => {
    if (request.accepts(['application/json', 'text/html']) === 'text/html')
      page('graphiql.html')(request, response);
    else next();
  });
  // Hashed bundle names: cacheable for ever.
  router.use(
    '/assets',
    express.static(join(webDir, 'assets'), {
      immutable: true,
      maxAge: '1y',
      fallthrough: false,
      // Workers are governed by their own response's policy.
      setHeaders: (response) => response.setHeader('Content-Security-Policy', PAGE_CONTENT_SECURITY_POLICY),
    }),
  );
  return router;
}
