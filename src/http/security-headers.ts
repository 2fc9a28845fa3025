// Security headers (helmet) on every response. The API answers JSON, so the content security policy
// forbids everything; the one HTML page, Apollo's landing page (GET /graphql from a browser), brings
// its own policy in a <meta> tag with a per-page nonce for its CDN scripts and sandbox frame, which a
// stricter header policy would block, so that page gets every header but the policy.
import { type RequestHandler } from 'express';
import helmet from 'helmet';

export function securityHeaders(landingPagePath: string): RequestHandler {
  const strict = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
  });
  const landingPage = helmet({ contentSecurityPolicy: false });
  return (request, response, next) => {
    const html =
      request.method === 'GET' && request.path === landingPagePath && request.accepts('html') !== false;
    (html ? landingPage : strict)(request, response, next);
  };
}
