// `npm run eval:behavior` on a generated log with planted tastes (some of which drift half-way):
// the protocol's report, and the model — as recommendedForUser serves it — beating popularity by a
// clear margin, with recency-weighted serving ahead of the plain shopper factors.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { plantedLog, toNdjson } from './support/interaction-logs.js';

const run = promisify(execFile);

interface Quality {
  hitRate: number;
  ndcg: number;
  coverage: number;
  users: number;
}

describe('eval:behavior', () => {
  let dir: string;
  let report: {
    events: number;
    users: number;
    items: number;
    evaluatedUsers: number;
    trainingSeconds: number;
    popularity: Quality;
    als: Quality;
    served: Quality;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eval-behavior-'));
    const log = plantedLog({
      users: 400,
      items: 500,
      groups: 25,
      eventsPerUser: 30,
      noise: 0.3,
      drift: 0.4,
      seed: 9,
    });
    const file = join(dir, 'log.ndjson');
    await writeFile(file, toNdjson(log.events));
    const { stdout } = await run(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'),
        'scripts/eval-behavior.ts',
        file,
        '--json',
        '--factors',
        '32',
        '--iterations',
        '10',
      ],
      { cwd: PROJECT_ROOT, env: { PATH: process.env['PATH'] ?? '' }, timeout: 120_000 },
    );
    report = JSON.parse(stdout) as typeof report;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reports the protocol on the whole log', () => {
    expect(report).toMatchObject({ events: 12_000, users: 400, evaluatedUsers: 400 });
    expect(report.items).toBeLessThanOrEqual(500);
    expect(report.trainingSeconds).toBeGreaterThan(0);
    for (const quality of [report.popularity, report.als, report.served]) {
      expect(quality.users).toBe(400);
      expect(quality.ndcg).toBeLessThanOrEqual(quality.hitRate);
    }
  });

  it('beats popularity clearly, and recency-weighted serving beats the plain shopper factors', () => {
    expect(report.served.hitRate).toBeGreaterThan(2 * report.popularity.hitRate);
    expect(report.served.ndcg).toBeGreaterThan(2 * report.popularity.ndcg);
    expect(report.als.hitRate).toBeGreaterThan(1.5 * report.popularity.hitRate);
    expect(report.served.hitRate).toBeGreaterThan(report.als.hitRate);
    expect(report.served.coverage).toBeGreaterThan(5 * report.popularity.coverage);
  });
});
