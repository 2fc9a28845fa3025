// GraphQL over real HTTP for the fault suite, and the catalogue helpers its scenarios share:
// product inputs, bulk writes, and a checksum of everything a client can read back.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { ADMIN_KEY } from './service.js';

export interface GraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

export interface HttpResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed body, or null when it was not JSON. */
  readonly body: { data?: T | null; errors?: GraphQLError[] } | null;
  readonly text: string;
}

/**
 * POSTs a raw body (a string is sent as is, so that tests can send what JSON.stringify cannot), on a
 * connection of its own: a reused keep-alive connection the server is closing at that moment would
 * fail the request for a reason that is not the service's.
 */
export async function postRaw(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<HttpResult> {
  const payload = Buffer.from(body, 'utf8');
  const {
    status,
    headers: responseHeaders,
    text,
  } = await new Promise<{
    status: number;
    headers: Headers;
    text: string;
  }>((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, ...headers },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) answerHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve({
            status: response.statusCode ?? 0,
            headers: answerHeaders,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
  let parsed: HttpResult['body'];
  try {
    parsed = JSON.parse(text) as HttpResult['body'];
  } catch {
    parsed = null;
  }
  return { status, headers: responseHeaders, body: parsed, text };
}

export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  options: { key?: string | null; timeoutMs?: number } = {},
): Promise<HttpResult<T>> {
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  return postRaw(
    url,
    JSON.stringify({ query, ...(variables ? { variables } : {}) }),
    key === null ? {} : { authorization: `Bearer ${key}` },
    options.timeoutMs,
  ) as Promise<HttpResult<T>>;
}

/** Like gql, but throws unless the answer is 200 with data and no errors. */
export async function gqlOk<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await gql<T>(url, query, variables);
  if (result.status !== 200 || !result.body?.data || result.body.errors?.length) {
    throw new Error(`GraphQL request failed (HTTP ${result.status}): ${result.text.slice(0, 2000)}`);
  }
  return result.body.data;
}

export const errorCodes = (result: HttpResult<unknown>): unknown[] =>
  (result.body?.errors ?? []).map((error) => error.extensions?.['code']);

export const AXES = ['value_for_money', 'customer_satisfaction', 'environmental_friendliness'] as const;

/** A valid product input; `seed` makes its scores, tags and location differ from its neighbours'. */
export function productInput(sku: string, seed: number): Record<string, unknown> {
  const score = (offset: number): number => ((seed * 37 + offset * 53) % 99) + 0.5;
  return {
    sku,
    name: `fault product ${sku}`,
    category: ['shoes', 'bags', 'hats', 'coats'][seed % 4],
    price: 10 + (seed % 90),
    tags: [`t${seed % 7}`, `t${seed % 11}`],
    location: { latitude: ((seed * 7) % 160) - 80, longitude: ((seed * 13) % 340) - 170 },
    attributes: AXES.map((axis, index) => ({ axis, value: score(index) })),
  };
}

export const ADD_PRODUCTS = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;
export const ADD_PRODUCT = `mutation ($input: ProductInput!) { addProduct(input: $input) { id sku } }`;

/** Adds `count` products in bulks of at most 500; returns their ids in order. */
export async function addProducts(url: string, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const inputs = Array.from({ length: Math.min(500, count - start) }, (_, index) =>
      productInput(`${prefix}-${start + index}`, start + index),
    );
    const data = await gqlOk<{ addProducts: Array<{ id: string }> }>(url, ADD_PRODUCTS, { inputs });
    ids.push(...data.addProducts.map((product) => product.id));
  }
  return ids;
}

const PRODUCT_FIELDS = `id sku name category description price currency inStock imageUrl tags updatedAt
  location { latitude longitude } attributes { axis value } embeddingStatus { space state modelId }`;

export interface CatalogueProduct {
  id: string;
  sku: string;
  name: string;
  attributes: Array<{ axis: string; value: number }>;
  [field: string]: unknown;
}

/** Every product as a client reads it, in catalogue order (pages of 100). */
export async function readCatalogue(url: string): Promise<CatalogueProduct[]> {
  const products: CatalogueProduct[] = [];
  let after: string | null = null;
  for (;;) {
    const page: {
      products: {
        edges: Array<{ node: CatalogueProduct }>;
        pageInfo: { endCursor: string | null; hasNextPage: boolean };
      };
    } = await gqlOk(
      url,
      `query ($after: String) { products(first: 100, after: $after) {
        edges { node { ${PRODUCT_FIELDS} } } pageInfo { endCursor hasNextPage } } }`,
      { after },
    );
    products.push(...page.products.edges.map((edge) => edge.node));
    if (!page.products.pageInfo.hasNextPage) return products;
    after = page.products.pageInfo.endCursor;
  }
}

/** A digest of the whole catalogue as clients read it: equal digests, nothing was written. */
export async function catalogueChecksum(url: string): Promise<string> {
  const products = await readCatalogue(url);
  return createHash('sha256').update(JSON.stringify(products)).digest('hex');
}
