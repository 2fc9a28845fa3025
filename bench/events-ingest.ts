// Event ingest through `recordInteractions` over HTTP into the Postgres server: the service as its
// own process (as in production), a catalogue of attribute-only products, batches of 1000 events
// with a few requests in flight, half of them referencing products by SKU. Prints events/s.
//
//   npm run build && BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
//     npx tsx bench/events-ingest.ts [--products 10000] [--events 200000] [--in-flight 2]
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { createBenchDatabase, dropBenchDatabase } from './databases.js';
import { ADMIN_KEY, graphql, startService } from './service-process.js';

const EVENTS_KEY = 'bench-events-key';
const ADD = `mutation ($inputs: [ProductInput!]!) { addProducts(inputs: $inputs) { id } }`;
const RECORD = `mutation ($events: [InteractionInput!]!) { recordInteractions(events: $events) { accepted duplicates } }`;
const TYPES = ['VIEW', 'VIEW', 'VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE'] as const;

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '10000' },
    events: { type: 'string', default: '200000' },
    'in-flight': { type: 'string', default: '2' },
  },
});
const productCount = Number(values.products);
const eventCount = Number(values.events);
const inFlight = Number(values['in-flight']);
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = 'bench_events_ingest';

const url = await createBenchDatabase(baseUrl, database);
const service = await startService({
  port: 4099,
  databaseUrl: url,
  modelsDir: join(PROJECT_ROOT, 'models'),
  manifestPath: join(PROJECT_ROOT, 'models', 'manifest.json'),
  imageModel: '',
  clipModel: '',
  extraEnv: { EVENTS_API_KEYS: EVENTS_KEY, MAX_BULK_PRODUCTS: '1000' },
});
try {
  const ids: string[] = [];
  for (let first = 0; first < productCount; first += 1000) {
    const inputs = Array.from({ length: Math.min(1000, productCount - first) }, (_, offset) => ({
      sku: `EV-${first + offset}`,
      name: `Product ${first + offset}`,
      category: `category-${(first + offset) % 20}`,
      price: 10,
      attributes: [
        { axis: 'value_for_money', value: 50 },
        { axis: 'customer_satisfaction', value: 50 },
        { axis: 'environmental_friendliness', value: 50 },
      ],
    }));
    const added = await graphql<{ addProducts: Array<{ id: string }> }>(
      service.url,
      ADD,
      { inputs },
      ADMIN_KEY,
    );
    ids.push(...added.addProducts.map((p) => p.id));
  }
  const batches = Math.ceil(eventCount / 1000);
  const now = Date.now();
  const batch = (number: number) =>
    Array.from({ length: 1000 }, (_, offset) => {
      const i = number * 1000 + offset;
      const product = (i * 7919) % productCount;
      return {
        eventId: `ev-${i}`,
        userToken: `user-${(i * 104729) % 50_000}`,
        ...(i % 2 === 0 ? { productId: ids[product] } : { sku: `EV-${product}` }),
        type: TYPES[i % TYPES.length],
        occurredAt: new Date(now - (eventCount - i) * 1000).toISOString(),
        ...(TYPES[i % TYPES.length] === 'PURCHASE' ? { orderId: `order-${Math.floor(i / 12)}` } : {}),
      };
    });
  // Warm-up: one batch, not counted (and resent at the end as a duplicate check).
  await graphql(service.url, RECORD, { events: batch(0) }, EVENTS_KEY);
  let next = 1;
  let accepted = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches) {
        const events = batch(next++);
        const result = await graphql<{ recordInteractions: { accepted: number } }>(
          service.url,
          RECORD,
          { events },
          EVENTS_KEY,
        );
        accepted += result.recordInteractions.accepted;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const again = await graphql<{ recordInteractions: { accepted: number; duplicates: number } }>(
    service.url,
    RECORD,
    { events: batch(1) },
    EVENTS_KEY,
  );
  console.log(
    JSON.stringify({
      products: productCount,
      events: accepted,
      inFlight,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(accepted / seconds),
      resentBatch: again.recordInteractions,
    }),
  );
} finally {
  await service.stop();
  await dropBenchDatabase(baseUrl, database);
}
