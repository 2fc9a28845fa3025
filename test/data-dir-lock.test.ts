// One process per embedded data directory: a second open fails at once naming the directory and
// the pid that holds it, and a lock left by a process that is gone is taken over.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirLockedError } from '../src/db/data-dir-lock.js';
import { type Database, openDatabase } from '../src/db/database.js';

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('embedded data directory lock', () => {
  let dataDir: string;
  const open: Database[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'recommender-lock-'));
  });
  afterEach(async () => {
    for (const database of open.splice(0)) await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'refuses a second open of the same directory, naming it and the holding pid, until the first closes',
    { timeout: 120_000 },
    async () => {
      const first = await openDatabase({ kind: 'embedded', dataDir });
      open.push(first);
      expect(readFileSync(join(dataDir, '.lock'), 'utf8').trim()).toBe(String(process.pid));

      const error = await openDatabase({ kind: 'embedded', dataDir }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DataDirLockedError);
      expect((error as DataDirLockedError).pid).toBe(process.pid);
      expect((error as Error).message).toContain(dataDir);
      expect((error as Error).message).toContain(`process ${process.pid}`);
      // The failed open must not have removed the first one's lock.
      expect(readFileSync(join(dataDir, '.lock'), 'utf8').trim()).toBe(String(process.pid));

      await open.pop()!.close();
      expect(existsSync(join(dataDir, '.lock'))).toBe(false);
      const second = await openDatabase({ kind: 'embedded', dataDir });
      open.push(second);
      expect((await second.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    },
  );

  it('takes over a stale lock left by a process that is gone', { timeout: 120_000 }, async () => {
    const pid = await deadPid();
    writeFileSync(join(dataDir, '.lock'), `${pid}\n`);
    const database = await openDatabase({ kind: 'embedded', dataDir });
    open.push(database);
    expect(readFileSync(join(dataDir, '.lock'), 'utf8').trim()).toBe(String(process.pid));
  });

  it(
    'takes over a lock bearing its own pid that it did not take (a restarted container reuses pid 1)',
    {
      timeout: 120_000,
    },
    async () => {
      writeFileSync(join(dataDir, '.lock'), `${process.pid}\n`);
      const database = await openDatabase({ kind: 'embedded', dataDir });
      open.push(database);
      expect(readFileSync(join(dataDir, '.lock'), 'utf8').trim()).toBe(String(process.pid));
    },
  );
});
