// Security headers (helmet) on every response, and `no-store` on API answers. The API answers JSON,
// so the content security policy forbids everything; the pages (pages/web-pages.ts) replace it with
// their own policy, which admits only this origin's own scripts, styles, images, fonts and workers.
import { type RequestHandler } from 'express';
import helmet from 'helmet';

export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
  });
}

/** API answers are per caller and per moment: no cache, shared or private, keeps one. */
export const noStore: RequestHandler = (_request, response, next) => {
  response.setHeader('cache-control', 'no-store');
  next();
};
