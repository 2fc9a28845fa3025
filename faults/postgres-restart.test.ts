// Postgres restarted under load: the suite's private cluster is stopped for a few seconds and
// started again while readers, a writer and a /readyz poller run against the service. The service
// must not crash; every failed answer during the outage is HTTP 503 SERVICE_UNAVAILABLE with
// Retry-After and no host or port; /readyz goes 200 → 503 → 200 and always answers within 1 s;
// the service recovers by itself, and every acknowledged write is there afterwards.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ADD_PRODUCT, addProducts, gql, productInput, readCatalogue } from './support/http.js';
import { PrivatePostgres } from './support/private-postgres.js';
import { recordFigures } from './support/results.js';
import { ANALYST_KEY, type ServiceProcess, startService } from './support/service.js';

const READERS = 16;
const BEFORE_MS = 3_000;
const OUTAGE_MS = 5_000;
const AFTER_MS = 5_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  readonly at: number;
  readonly status: number;
  readonly codes: unknown[];
  readonly retryAfter: string | null;
  readonly text: string;
  readonly ms: number;
}

async function timed(request: () => Promise<Response>): Promise<Answer> {
  const at = performance.now();
  try {
    const response = await request();
    const text = await response.text();
    let codes: unknown[] = [];
    try {
      codes = (
        (JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> }).errors ?? []
      ).map((error) => error.extensions?.code);
    } catch {
      codes = ['(not JSON)'];
    }
    return {
      at,
      status: response.status,
      codes,
      retryAfter: response.headers.get('retry-after'),
      text,
      ms: performance.now() - at,
    };
  } catch (error) {
    // A refused or reset connection: the service itself failed to answer.
    return { at, status: 0, codes: [], retryAfter: null, text: String(error), ms: performance.now() - at };
  }
}

describe('Postgres restarted during load (private cluster)', () => {
  let postgres: PrivatePostgres;
  let service: ServiceProcess;
  let ids: string[];

  afterAll(async () => {
    if (postgres && !postgres.running()) await postgres.start();
    await service?.stop();
  });

  it('starts on the private cluster', async () => {
    postgres = await PrivatePostgres.attach(inject('postgres'));
    service = await startService({
      databaseUrl: await postgres.createDatabase(`restart_${Date.now()}`),
      env: { DB_CONNECT_TIMEOUT_MS: '2000' },
    });
    ids = await addProducts(service.url, 'RESTART', 200);
  });

  it(
    'answers 503 SERVICE_UNAVAILABLE with Retry-After during the outage and recovers without a restart',
    { timeout: 180_000 },
    async () => {
      const pid = service.pid;
      const answers: Answer[] = [];
      const readiness: Answer[] = [];
      const acknowledged: string[] = [];
      let running = true;

      const reader = async (worker: number): Promise<void> => {
        for (let i = 0; running; i++) {
          const id = ids[(worker * 31 + i) % ids.length];
          answers.push(
            await timed(() =>
              fetch(service.url, {
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${ANALYST_KEY}` },
                body: JSON.stringify({
                  query:
                    'query ($id: ID!) { similarProducts(productId: $id, k: 5) { score product { sku } } }',
                  variables: { id },
                }),
                signal: AbortSignal.timeout(30_000),
              }),
            ),
          );
        }
      };
      const writer = async (): Promise<void> => {
        for (let i = 0; running; i++) {
          const sku = `RESTART-W-${i}`;
          const result = await gql(service.url, ADD_PRODUCT, { input: productInput(sku, i) }).catch(
            () => null,
          );
          if (result?.status === 200 && !result.body?.errors) acknowledged.push(sku);
          else await sleep(100);
        }
      };
      const poller = async (): Promise<void> => {
        while (running) {
          readiness.push(
            await timed(() => fetch(`${service.base}/readyz`, { signal: AbortSignal.timeout(5_000) })),
          );
          await sleep(100);
        }
      };
      const workers = [...Array.from({ length: READERS }, (_, worker) => reader(worker)), writer(), poller()];

      await sleep(BEFORE_MS);
      const outageStart = performance.now();
      await postgres.stop('fast');
      await sleep(OUTAGE_MS);
      await postgres.start();
      const outageEnd = performance.now();
      // Recovery: /readyz answers 200 again, by itself, within 30 s.
      const recoveryDeadline = performance.now() + 30_000;
      while (performance.now() < recoveryDeadline) {
        const last = readiness.at(-1);
        if (last && last.at > outageEnd && last.status === 200) break;
        await sleep(100);
      }
      const recovered = performance.now();
      await sleep(AFTER_MS);
      running = false;
      await Promise.all(workers);

      expect(service.alive(), service.output()).toBe(true);
      expect(service.pid).toBe(pid);
      const failures = answers.filter((answer) => answer.status !== 200 || answer.codes.length > 0);
      const outageAnswers = failures.filter((answer) => answer.status === 503);
      recordFigures('postgres-restart', {
        readers: READERS,
        outageMs: Math.round(outageEnd - outageStart),
        recoverySecondsAfterStart: Math.round((recovered - outageEnd) / 100) / 10,
        answers: answers.length,
        answered503: outageAnswers.length,
        otherFailures: failures.length - outageAnswers.length,
        acknowledgedWrites: acknowledged.length,
        readyzMaxMs: Math.round(Math.max(...readiness.map((answer) => answer.ms))),
      });

      // No connection ever refused or reset by the service itself.
      expect(answers.filter((answer) => answer.status === 0).map((answer) => answer.text)).toEqual([]);
      // Every failure is the retryable outage answer, without internals.
      for (const failure of failures) {
        expect({ status: failure.status, codes: failure.codes }).toEqual({
          status: 503,
          codes: failure.codes.map(() => 'SERVICE_UNAVAILABLE'),
        });
        expect(failure.codes.length).toBeGreaterThan(0);
        expect(Number(failure.retryAfter)).toBeGreaterThan(0);
        expect(failure.text).not.toContain('127.0.0.1');
        expect(failure.text).not.toContain(String(postgres.handle.port));
      }
      expect(outageAnswers.length).toBeGreaterThan(0);

      // /readyz: ready before, 503 during (without the host), ready after; always within 1 s.
      const before = readiness.filter((answer) => answer.at < outageStart);
      const during = readiness.filter(
        (answer) => answer.at > outageStart + 500 && answer.at < outageEnd - 500,
      );
      const after = readiness.filter((answer) => answer.at > recovered);
      expect(before.map((answer) => answer.status)).toContain(200);
      expect(during.length).toBeGreaterThan(0);
      for (const answer of during) {
        expect(answer.status).toBe(503);
        expect(answer.text).not.toContain('127.0.0.1');
        expect(answer.text).not.toContain(String(postgres.handle.port));
      }
      expect(after.length).toBeGreaterThan(0);
      for (const answer of after) expect(answer.status).toBe(200);
      for (const answer of readiness) expect(answer.ms).toBeLessThan(1_000);

      // After recovery every query succeeds again.
      const settled = answers.filter((answer) => answer.at > recovered + 1_000);
      expect(settled.length).toBeGreaterThan(0);
      expect(settled.filter((answer) => answer.status !== 200 || answer.codes.length > 0)).toEqual([]);

      // Nothing acknowledged was lost.
      const skus = new Set((await readCatalogue(service.url)).map((product) => product.sku));
      for (const sku of acknowledged) expect(skus.has(sku), `acknowledged ${sku} was lost`).toBe(true);
    },
  );
});
