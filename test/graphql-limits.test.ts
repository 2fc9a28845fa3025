// Bounds on one GraphQL request and on what it may carry, over real HTTP and in process: alias,
// root-field, token and complexity limits refused before execution; client mistakes in variables
// and text answered 400 with the field named; no schema hints in production.
import { rm } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PRODUCTS } from '../src/demo/demo-catalogue.js';
import { rowCounts, testDatabaseKinds } from './support/databases.js';
import { createTempModelsDir, type TestModels, writeTestModels } from './support/onnx-fixtures.js';
import { createTestApp, errorCodes, type TestApp } from './support/test-app.js';

const ADD = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id sku } }`;

interface HttpAnswer {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  elapsedMs: number;
}

/** An app listening on 127.0.0.1 with the example products, and a raw POST to it. */
async function httpApp(env: Record<string, string> = {}) {
  const t = await createTestApp('embedded', env);
  const added = await t.gql<{ addProducts: Array<{ id: string }> }>(ADD, { inputs: EXAMPLE_PRODUCTS });
  expect(added.errors).toBeUndefined();
  const { url } = await t.app.listen(0, '127.0.0.1');
  const post = async (body: unknown): Promise<HttpAnswer> => {
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const parsed = (await response.json()) as HttpAnswer['body'];
    return { status: response.status, body: parsed, elapsedMs: performance.now() - started };
  };
  return { t, post, productId: added.data!.addProducts[0]!.id };
}

/** One operation with `count` aliased `similarProducts` root fields. */
const aliasFlood = (count: number, selection = 'score', k = 1) =>
  `query ($id: ID!) { ${Array.from(
    { length: count },
    (_, index) => `a${index}: similarProducts(productId: $id, k: ${k}) { ${selection} }`,
  ).join(' ')} }`;

const firstError = (answer: HttpAnswer) => answer.body.errors?.[0];

describe('request limits over HTTP, default settings', () => {
  let app: Awaited<ReturnType<typeof httpApp>>;
  beforeAll(async () => {
    app = await httpApp();
  });
  afterAll(() => app.t.close());

  it('refuses 2,400 aliases at parse time, at once, without executing and without stalling the event loop', async () => {
    const body = JSON.stringify({ query: aliasFlood(2400), variables: { id: app.productId } });
    await app.post(body); // warm-up: the first request compiles the code paths
    // The worst event-loop delay while the request is refused; the best of three tries, so a
    // garbage-collection pause of a busy test machine is not blamed on the request.
    let answer!: HttpAnswer;
    let worstDelayMs = Infinity;
    for (let attempt = 0; attempt < 3; attempt++) {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      answer = await app.post(body);
      delay.disable();
      worstDelayMs = Math.min(worstDelayMs, delay.max / 1e6);
    }
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.extensions?.['code']).toBe('GRAPHQL_PARSE_FAILED');
    expect(firstError(answer)?.message).toMatch(/contains more th.. 5000 tokens/);
    expect(answer.body).not.toHaveProperty('data');
    expect(answer.elapsedMs).toBeLessThan(1000);
    expect(worstDelayMs).toBeLessThan(100);
  });

  it('still answers 20 aliased similarProducts in one operation', async () => {
    const answer = await app.post({ query: aliasFlood(20), variables: { id: app.productId } });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.status).toBe(200);
    const data = answer.body.data as Record<string, Array<{ score: number }>>;
    expect(Object.keys(data)).toHaveLength(20);
    expect(data['a19']).toHaveLength(1);
  });

  it('answers a wrongly typed variable with 400 BAD_USER_INPUT naming it', async () => {
    const answer = await app.post({
      query: 'query ($k: Int!) { similarProducts(productId: "1", k: $k) { score } }',
      variables: { k: 'ten' },
    });
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(firstError(answer)?.message).toMatch(/\$k/);
  });

  it('answers more than 50 wrong variable values with 400 and only BAD_USER_INPUT (graphql-js stops at 50)', async () => {
    const answer = await app.post({
      query: 'query ($tags: [String!]) { products(filter: { tagsAny: $tags }) { totalCount } }',
      variables: { tags: Array.from({ length: 60 }, () => null) },
    });
    expect(answer.status).toBe(400);
    const codes = (answer.body.errors ?? []).map((error) => error.extensions?.['code']);
    expect(codes).toHaveLength(51);
    expect(new Set(codes)).toEqual(new Set(['BAD_USER_INPUT']));
    expect(answer.body.errors!.at(-1)!.message).toMatch(/Too many errors processing variables/);
  });

  it('answers 1e309 (Infinity after JSON parsing) in a Float variable with 400 BAD_USER_INPUT', async () => {
    const query = 'query ($p: Float) { similarProducts(productId: "1", metric: MINKOWSKI, p: $p) { score } }';
    const answer = await app.post(`{"query": ${JSON.stringify(query)}, "variables": {"p": 1e309}}`);
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(firstError(answer)?.message).toMatch(/\$p/);
  });

  it('answers a too complex query with 400 BAD_USER_INPUT, counting each vector query at its base cost', async () => {
    // 12 × (50 base + 1 + 100 × (score 1 + product 1 + sku 1 + name 1)) = 12 × 451 = 5412.
    const answer = await app.post({
      query: aliasFlood(12, 'score product { sku name }', 100),
      variables: { id: app.productId },
    });
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(firstError(answer)?.message).toMatch(/complexity 5412 exceeds the limit of 5000/);
    expect(answer.body).not.toHaveProperty('data');
  });

  it('counts the complexity of one query text by its variables: a larger k is refused, another product is not', async () => {
    // The complexity is remembered per document under the variables' numbers (strings blanked).
    const query = `query ($id: ID!, $k: Int!) { ${Array.from(
      { length: 12 },
      (_, index) => `a${index}: similarProducts(productId: $id, k: $k) { score product { sku name } }`,
    ).join(' ')} }`;
    const ask = (id: string, k: number) => app.post({ query, variables: { id, k } });
    expect((await ask(app.productId, 1)).status).toBe(200);
    const large = await ask(app.productId, 100);
    expect(large.status).toBe(400);
    expect(firstError(large)?.message).toMatch(/complexity 5412 exceeds the limit of 5000/);
    expect((await ask('another-product', 100)).status).toBe(400);
    expect((await ask('another-product', 1)).status).toBe(200);
    expect((await ask(app.productId, 100)).status).toBe(400);
  });

  it('ignores an undeclared variable nested 100 000 deep (no stack overflow, no 5xx)', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const query = 'query ($id: ID!) { similarProducts(productId: $id, k: 2) { score } }';
    const answer = await app.post(
      `{"query": ${JSON.stringify(query)}, "variables": {"id": ${JSON.stringify(app.productId)}, "x": ${deep}}}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });

  it('refuses a NUL byte and a lone surrogate in JSON variables with 400 naming the field', async () => {
    const query = 'query ($sku: String!) { productBySku(sku: $sku) { id } }';
    const nul = await app.post(`{"query": ${JSON.stringify(query)}, "variables": {"sku": "a\\u0000b"}}`);
    expect(nul.status).toBe(400);
    expect(firstError(nul)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sku' });
    const surrogate = await app.post(`{"query": ${JSON.stringify(query)}, "variables": {"sku": "a\\ud800"}}`);
    expect(surrogate.status).toBe(400);
    expect(firstError(surrogate)?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sku' });
    expect(firstError(surrogate)?.message).toMatch(/lone surrogate/);
  });

  it('suggests field names outside production', async () => {
    const answer = await app.post({ query: '{ productz { edges { cursor } } }' });
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.message).toMatch(/Did you mean .*"products"/);
  });
});

describe('request limits over HTTP, shape limits past the token limit', () => {
  let app: Awaited<ReturnType<typeof httpApp>>;
  beforeAll(async () => {
    app = await httpApp({ MAX_QUERY_TOKENS: '100000' });
  });
  afterAll(() => app.t.close());

  it('refuses 2,400 aliases in validation, naming the alias limit, at once and without executing', async () => {
    const answer = await app.post({ query: aliasFlood(2400), variables: { id: app.productId } });
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(firstError(answer)?.message).toMatch(/Aliases limit of 30 exceeded, found 2400/);
    expect(answer.body).not.toHaveProperty('data');
    // "At once": executing 2,400 vector queries would take many seconds. The bound is not a speed
    // target — alone this answer takes ~0.3 s; beside the suite's other files on two cores it took
    // 0.5 and 1.4 s in one CI run (2026-12-07), which failed on a 1 s bound.
    expect(answer.elapsedMs).toBeLessThan(5000);
  });

  it('refuses more root fields than MAX_ROOT_FIELDS, fragments included', async () => {
    const fields = Array.from({ length: 21 }, (_, index) => `r${index}: attributeAxes { name }`);
    const answer = await app.post({
      query: `{ ...Some ${fields.slice(10).join(' ')} } fragment Some on Query { ${fields.slice(0, 10).join(' ')} }`,
    });
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(firstError(answer)?.message).toMatch(
      /Root field limit of 20 \(MAX_ROOT_FIELDS\) exceeded, found 21/,
    );
  });
});

describe('production', () => {
  let app: Awaited<ReturnType<typeof httpApp>>;
  beforeAll(async () => {
    app = await httpApp({ NODE_ENV: 'production' });
  });
  afterAll(() => app.t.close());

  it('gives no "Did you mean …" hints about the schema', async () => {
    const answer = await app.post({ query: '{ productz { edges { cursor } } }' });
    expect(answer.status).toBe(400);
    expect(firstError(answer)?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(answer.body)).not.toMatch(/Did you mean|products/);
  });
});

describe.each(testDatabaseKinds())('text that cannot be stored, on %s Postgres', (kind) => {
  let t: TestApp;
  let productId: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    const added = await t.gql<{ addProducts: Array<{ id: string }> }>(ADD, { inputs: EXAMPLE_PRODUCTS });
    productId = added.data!.addProducts[0]!.id;
  });
  afterAll(() => t.close());

  const product = (name: string) => ({ ...EXAMPLE_PRODUCTS[0]!, sku: 'TEXT-1', name });

  it('refuses a NUL byte in a mutation input with BAD_USER_INPUT naming the field, writing nothing', async () => {
    const before = await rowCounts(t.db.database);
    const result = await t.gql(`mutation ($input: ProductInput!) { addProduct(input: $input) { id } }`, {
      input: product('bad\u0000name'),
    });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions).toMatchObject({ field: 'input.name' });
    expect(result.data ?? null).toBeNull();
    expect(await rowCounts(t.db.database)).toEqual(before);
  });

  it('refuses a NUL byte in an inline literal, naming the argument', async () => {
    const result = await t.gql(`{ productBySku(sku: "a\\u0000") { id } }`);
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions).toMatchObject({ field: 'sku' });
  });

  it('refuses a NUL byte in a variable default, and in a variable of a query text that had passed', async () => {
    const withDefault = await t.gql(`query ($sku: String! = "a\\u0000") { productBySku(sku: $sku) { id } }`);
    expect(errorCodes(withDefault)).toEqual(['BAD_USER_INPUT']);
    const query = `query ($sku: String!) { productBySku(sku: $sku) { id } }`;
    expect((await t.gql(query, { sku: 'clean' })).errors).toBeUndefined();
    const dirty = await t.gql(query, { sku: 'dirty\u0000' });
    expect(errorCodes(dirty)).toEqual(['BAD_USER_INPUT']);
    expect(dirty.errors![0]!.extensions).toMatchObject({ field: 'sku' });
  });

  it('refuses a lone surrogate deep inside an input, naming its path', async () => {
    const result = await t.gql(
      `query ($input: RecommendationInput!) { recommendations(input: $input) { score } }`,
      { input: { like: [{ productId }, { text: 'red \ud800 shoes' }] } },
    );
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions).toMatchObject({ field: 'input.like[1].text' });
  });

  it('keeps text with valid surrogate pairs and other control characters', async () => {
    const result = await t.gql<{ addProduct: { name: string } }>(
      `mutation ($input: ProductInput!) { addProduct(input: $input) { name } }`,
      { input: product('boots 👢\ttab') },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.addProduct.name).toBe('boots 👢\ttab');
  });
});

describe('default recommendations with only the CNN model configured', () => {
  let t: TestApp;
  let models: TestModels;
  beforeAll(async () => {
    models = await writeTestModels(await createTempModelsDir());
    t = await createTestApp('embedded', {
      MODELS_DIR: models.modelsDir,
      MODELS_MANIFEST: models.manifestPath,
      IMAGE_MODEL: 'test-cnn',
      CLIP_MODEL: '',
    });
  });
  afterAll(async () => {
    await t.close();
    await rm(models.modelsDir, { recursive: true, force: true });
  });

  it('answers like: [{ productId }] without MODEL_UNAVAILABLE for the unconfigured CLIP space', async () => {
    const added = await t.gql<{ addProducts: Array<{ id: string; sku: string }> }>(ADD, {
      inputs: EXAMPLE_PRODUCTS,
    });
    expect(added.errors).toBeUndefined();
    const product1 = added.data!.addProducts.find((p) => p.sku === 'product1')!.id;
    const result = await t.gql<{ recommendations: Array<{ product: { sku: string } }> }>(
      `query ($input: RecommendationInput!) { recommendations(input: $input) { product { sku } } }`,
      { input: { like: [{ productId: product1 }] } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.recommendations.map((row) => row.product.sku)).toEqual(['product2', 'product3']);
  });
});
