// kill -9 of the service during writes, on the private Postgres server and on the embedded
// database in a DATA_DIR: a 500-product bulk is there entirely or not at all, whenever the kill
// lands; during a stream of single writes every acknowledged write survives and no write is there
// half; and the embedded directory reopens (the dead process's lock is taken over) with all of it.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  ADD_PRODUCT,
  ADD_PRODUCTS,
  AXES,
  gql,
  gqlOk,
  productInput,
  readCatalogue,
  type CatalogueProduct,
} from './support/http.js';
import { faultsWorkDir, PrivatePostgres } from './support/private-postgres.js';
import { recordFigures } from './support/results.js';
import { type ServiceProcess, startService } from './support/service.js';

const BULK = 500;
const STREAM_WRITERS = 4;
const STREAM_MS = 3_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Products whose name contains the prefix, as the restarted service reports them. */
async function countNamed(service: ServiceProcess, prefix: string): Promise<number> {
  const data = await gqlOk<{ products: { totalCount: number } }>(
    service.url,
    'query ($name: String!) { products(filter: { nameContains: $name }) { totalCount } }',
    { name: prefix },
  );
  return data.products.totalCount;
}

/** A product is whole when every attribute axis has its score (the row and its vector were written together). */
function expectWhole(product: CatalogueProduct): void {
  expect(product.attributes.map((score) => score.axis)).toEqual([...AXES]);
}

describe.each(['server', 'embedded'] as const)('kill -9 during writes (%s database)', (kind) => {
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  let monitor: pg.Client | undefined;
  let service: ServiceProcess | undefined;
  const bulkOutcomes: Array<{
    delayMs: number;
    acknowledged: boolean;
    inTransaction: boolean | null;
    rows: number;
  }> = [];
  const streamFigures: Array<{ acknowledged: number; sent: number; present: number }> = [];

  const start = async (): Promise<ServiceProcess> => {
    service = await startService(kind === 'server' ? { databaseUrl: databaseUrl! } : { dataDir: dataDir! });
    return service;
  };

  afterAll(async () => {
    await service?.kill9();
    await monitor?.end();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    recordFigures(`kill9-${kind}`, { bulk: bulkOutcomes, stream: streamFigures });
  });

  it('starts', async () => {
    if (kind === 'server') {
      const postgres = await PrivatePostgres.attach(inject('postgres'));
      databaseUrl = await postgres.createDatabase(`crash_${Date.now()}`);
      monitor = new pg.Client({ connectionString: databaseUrl });
      await monitor.connect();
    } else {
      dataDir = mkdtempSync(join(faultsWorkDir(), 'crash-'));
    }
    await start();
  });

  it(
    'a 500-product bulk is all there or not at all, wherever the kill lands',
    { timeout: 300_000 },
    async () => {
      // How long a bulk takes here, so that the kills can be spread over it.
      const began = performance.now();
      await gqlOk(service!.url, ADD_PRODUCTS, {
        inputs: Array.from({ length: BULK }, (_, index) => productInput(`CAL-${index}`, index)),
      });
      const bulkMs = performance.now() - began;
      expect(await countNamed(service!, 'CAL-')).toBe(BULK);

      // Past 1 the bulk may have committed before the kill: then all 500 must be there.
      const fractions = [0.2, 0.6, 1.0, 1.5];
      for (const [round, fraction] of fractions.entries()) {
        if (!service!.alive()) await start();
        const prefix = `BULK${round}Z-`;
        const inputs = Array.from({ length: BULK }, (_, index) => productInput(`${prefix}${index}`, index));
        let acknowledged = false;
        const request = gql(service!.url, ADD_PRODUCTS, { inputs }).then(
          (result) => (acknowledged = result.status === 200 && !result.body?.errors),
          () => undefined,
        );
        const delayMs = Math.round(bulkMs * fraction);
        await sleep(delayMs);
        // On the server, whether the kill hits an open transaction is visible from outside.
        const inTransaction = monitor
          ? (
              await monitor.query<{ open: boolean }>(
                `SELECT count(*) > 0 AS open FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
              )
            ).rows[0]!.open
          : null;
        await service!.kill9();
        await request;
        await start();
        const rows = await countNamed(service!, prefix);
        bulkOutcomes.push({ delayMs, acknowledged, inTransaction, rows });
        expect([0, BULK], `round ${round}: ${rows} rows of the bulk survived`).toContain(rows);
        if (acknowledged) expect(rows).toBe(BULK);
      }
      // The service is healthy and the catalogue whole afterwards.
      expect((await fetch(`${service!.base}/readyz`)).status).toBe(200);
      for (const product of await readCatalogue(service!.url)) expectWhole(product);
    },
  );

  it(
    'during a stream of writes, every acknowledged write survives and none is there half',
    { timeout: 300_000 },
    async () => {
      // Each writer adds products and moves its own counter product's price up by one per update.
      const cycles = kind === 'embedded' ? 2 : 1;
      for (let cycle = 0; cycle < cycles; cycle++) {
        if (!service!.alive()) await start();
        const prefix = `STREAM${cycle}Z-`;
        const counters = await Promise.all(
          Array.from({ length: STREAM_WRITERS }, async (_, writer) => {
            const data = await gqlOk<{ addProduct: { id: string } }>(service!.url, ADD_PRODUCT, {
              input: { ...productInput(`${prefix}counter-${writer}`, writer), price: 0 },
            });
            return data.addProduct.id;
          }),
        );
        const acknowledgedSkus = new Set<string>();
        const sentSkus = new Set<string>();
        const lastAcknowledgedPrice = new Map<string, number>();
        const lastSentPrice = new Map<string, number>();
        let running = true;
        const writer = async (index: number): Promise<void> => {
          for (let step = 1; running; step++) {
            try {
              if (step % 3 === 0) {
                lastSentPrice.set(counters[index]!, step);
                const result = await gql(
                  service!.url,
                  'mutation ($id: ID!, $price: Float!) { updateProduct(id: $id, input: { price: $price }) { id } }',
                  { id: counters[index], price: step },
                );
                if (result.status === 200 && !result.body?.errors)
                  lastAcknowledgedPrice.set(counters[index]!, step);
              } else {
                const sku = `${prefix}${index}-${step}`;
                sentSkus.add(sku);
                const result = await gql(service!.url, ADD_PRODUCT, { input: productInput(sku, step) });
                if (result.status === 200 && !result.body?.errors) acknowledgedSkus.add(sku);
              }
            } catch {
              return; // the service is gone
            }
          }
        };
        const writers = Array.from({ length: STREAM_WRITERS }, (_, index) => writer(index));
        await sleep(STREAM_MS);
        await service!.kill9();
        running = false;
        await Promise.all(writers);
        expect(acknowledgedSkus.size).toBeGreaterThan(0);

        await start();
        const catalogue = await readCatalogue(service!.url);
        const bySku = new Map(catalogue.map((product) => [product.sku, product]));
        for (const sku of acknowledgedSkus) expect(bySku.has(sku), `acknowledged ${sku} was lost`).toBe(true);
        const present = catalogue.filter(
          (product) => product.sku.startsWith(prefix) && !product.sku.includes('counter'),
        );
        for (const product of present) {
          expect(sentSkus.has(product.sku)).toBe(true);
          expectWhole(product);
        }
        for (const id of counters) {
          const price = bySku.get(catalogue.find((product) => product.id === id)!.sku)!['price'] as number;
          expect(price).toBeGreaterThanOrEqual(lastAcknowledgedPrice.get(id) ?? 0);
          expect(price).toBeLessThanOrEqual(lastSentPrice.get(id) ?? 0);
        }
        streamFigures.push({
          acknowledged: acknowledgedSkus.size,
          sent: sentSkus.size,
          present: present.length,
        });
      }
      expect((await fetch(`${service!.base}/readyz`)).status).toBe(200);
    },
  );

  // Issue 12 (interaction events) is being built elsewhere: once events can be written, a stream of
  // event writes gets the same kill -9 test here — every acknowledged event present, none half.
  it.todo('during a stream of interaction-event writes (issue 12), every acknowledged event survives');
});
