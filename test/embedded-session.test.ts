// The embedded database is one PGlite session behind a one-client pool: a statement that fails
// (a division by zero here; in the service a statement timeout or a bad cast) must leave that
// session usable for the next query, unnamed or named — pg-pool used to replace the client, and the
// replaced client's late 'end' broke its successor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';

describe('the embedded session after a failed statement', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase({ kind: 'embedded', dataDir: 'memory://' });
  });
  afterAll(() => database.close());

  it('answers the next queries, parameterised and named, in step', async () => {
    const pool = database.pool;
    await expect(pool.query({ text: 'SELECT 1 / $1::int AS a', values: [0] })).rejects.toMatchObject({
      code: '22012',
    });
    expect((await pool.query({ text: 'SELECT $1::int AS a', values: [5] })).rows).toEqual([{ a: 5 }]);
    expect((await pool.query({ name: 'probe_ok', text: 'SELECT $1::int AS a', values: [6] })).rows).toEqual([
      { a: 6 },
    ]);
    await expect(
      pool.query({ name: 'probe_fails', text: 'SELECT 1 / $1::int AS a', values: [0] }),
    ).rejects.toMatchObject({ code: '22012' });
    expect((await pool.query({ name: 'probe_ok', text: 'SELECT $1::int AS a', values: [7] })).rows).toEqual([
      { a: 7 },
    ]);
    expect(
      (await pool.query({ name: 'probe_fails', text: 'SELECT 1 / $1::int AS a', values: [1] })).rows,
    ).toEqual([{ a: 1 }]);
    // Prisma shares the pool.
    expect(await database.prisma.$queryRawUnsafe<Array<{ b: number }>>('SELECT 2 AS b')).toEqual([{ b: 2 }]);
  });
});
