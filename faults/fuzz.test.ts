// A property-based fuzzer (fast-check) over the schema's inputs, against the started service on
// both databases: operations on every root field with arguments drawn from their types and broken
// on purpose, and whole-request attacks. Whatever arrives: never a 5xx, never INTERNAL_SERVER_ERROR,
// and a refused operation writes nothing (the catalogue as clients read it is unchanged).
// FAULTS_FUZZ_RUNS and FAULTS_FUZZ_SECONDS bound it; FAULTS_FUZZ_SEED replays a run.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { addProducts, AXES, catalogueChecksum, postRaw } from './support/http.js';
import { faultsWorkDir, PrivatePostgres } from './support/private-postgres.js';
import { recordFigures } from './support/results.js';
import { schemaOperations } from './support/schema-arbitraries.js';
import { ADMIN_KEY, type ServiceProcess, startService } from './support/service.js';

const RUNS = Number(process.env['FAULTS_FUZZ_RUNS'] ?? 600);
const SECONDS = Number(process.env['FAULTS_FUZZ_SECONDS'] ?? 75);
const SEED = process.env['FAULTS_FUZZ_SEED'] ? Number(process.env['FAULTS_FUZZ_SEED']) : undefined;
/** With the seed, replays one counterexample (the `path` a failure reports). */
const PATH = process.env['FAULTS_FUZZ_PATH'];

describe.each(['server', 'embedded'] as const)('fuzzing the schema inputs (%s database)', (kind) => {
  let service: ServiceProcess;
  let dataDir: string | undefined;

  afterAll(async () => {
    await service?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'never answers 5xx or INTERNAL_SERVER_ERROR, and a refused operation writes nothing',
    { timeout: (SECONDS + 120) * 1000 },
    async () => {
      if (kind === 'server') {
        const postgres = await PrivatePostgres.attach(inject('postgres'));
        service = await startService({
          databaseUrl: await postgres.createDatabase(`fuzz_${Date.now()}`),
          env: { IMAGE_FETCH_TIMEOUT_MS: '1000', IMAGE_CONNECT_TIMEOUT_MS: '500' },
        });
      } else {
        dataDir = mkdtempSync(join(faultsWorkDir(), 'fuzz-'));
        service = await startService({
          dataDir,
          env: { IMAGE_FETCH_TIMEOUT_MS: '1000', IMAGE_CONNECT_TIMEOUT_MS: '500' },
        });
      }
      const ids = await addProducts(service.url, 'FUZZ', 30);
      let checksum = await catalogueChecksum(service.url);
      const statuses: Record<string, number> = {};
      let runs = 0;
      let accepted = 0;
      const started = performance.now();

      await fc.assert(
        fc.asyncProperty(schemaOperations({ productIds: ids, axes: AXES }), async (operation) => {
          runs++;
          const result = await postRaw(
            service.url,
            operation.body,
            { authorization: `Bearer ${ADMIN_KEY}` },
            120_000,
          ).catch((error: unknown) => {
            const cause = (error as { cause?: { code?: string; message?: string } }).cause;
            throw new Error(
              `no HTTP answer (${String(error)}: ${cause?.code ?? ''} ${cause?.message ?? ''}); ` +
                `service alive: ${service.alive()}; its last output:\n${service.output().slice(-1_500)}`,
            );
          });
          statuses[result.status] = (statuses[result.status] ?? 0) + 1;
          const context = `${operation.field}: HTTP ${result.status} ${result.text.slice(0, 500)}\nrequest: ${operation.body.slice(0, 500)}`;
          expect(result.status, context).toBeLessThan(500);
          const codes = (result.body?.errors ?? []).map((error) => error.extensions?.['code']);
          expect(codes, context).not.toContain('INTERNAL_SERVER_ERROR');
          if (operation.body.includes('mutation')) {
            const after = await catalogueChecksum(service.url);
            const data = result.body?.data;
            const refused = !data || Object.values(data).every((value) => value === null);
            if (refused) expect(after, `a refused operation wrote: ${context}`).toBe(checksum);
            else accepted++;
            checksum = after;
          }
        }),
        {
          numRuns: RUNS,
          interruptAfterTimeLimit: SECONDS * 1000,
          ...(SEED === undefined ? {} : { seed: SEED }),
          ...(PATH === undefined ? {} : { path: PATH }),
          // Counterexamples can be megabytes long: report the seed and the start of the failure.
          reporter: (details) => {
            if (!details.failed) return;
            const cause =
              details.errorInstance instanceof Error
                ? details.errorInstance.message
                : String(details.errorInstance);
            throw new Error(
              `fuzzing failed after ${details.numRuns} runs (replay with FAULTS_FUZZ_SEED=${details.seed}, ` +
                `path ${details.counterexamplePath}):\n${cause.slice(0, 4_000)}\n` +
                `counterexample: ${JSON.stringify(details.counterexample).slice(0, 2_000)}`,
            );
          },
        },
      );
      expect(service.alive(), service.output()).toBe(true);
      expect((await fetch(`${service.base}/readyz`)).status).toBe(200);
      recordFigures(`fuzz-${kind}`, {
        runs,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        acceptedMutations: accepted,
        statuses,
      });
    },
  );
});
