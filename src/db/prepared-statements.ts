// Named (server-side prepared) statements for the hot vector queries. Postgres parses a named
// statement once per connection and, once five custom plans have cost no less than its generic
// plan, stops planning it at all: planning was about half of a one-space recommendation
// statement's time at 100k (0.25 of 0.53 ms) and ~1 ms of a three-space one (BENCHMARKS.md).
//
// Every connection may end up holding every named statement, so the number of distinct statement
// texts given a name is bounded (DB_PREPARED_STATEMENTS): a client inventing new query shapes
// cannot grow the backends' memory without bound. Texts beyond the bound run unnamed, as before.
// Texts that carry a request's values (a filter written in as literals) take at most half of the
// names, so one-off values cannot crowd out the shapes every request uses, and get one only when
// they come a second time: the first 32 filters a shopper happens to send would otherwise hold the
// names for good (they are never given back: every connection would have to forget them), and the
// recurring ones — a category page's — would find none left.
import { createHash } from 'node:crypto';
import type pg from 'pg';

/** How many value-carrying texts seen once are remembered (hashes) until they come again. */
const SEEN_ONCE_LIMIT = 4096;

/** Which statement texts run as named statements, and under which name. */
export class StatementNames {
  private readonly names = new Map<string, string | null>();
  private valueTexts = 0;
  /** Hashes of value-carrying texts seen once and not named yet; cleared when it grows large. */
  private readonly seenOnce = new Set<string>();

  /** `capacity` distinct texts get a name, first come; 0 names none. */
  constructor(private readonly capacity: number) {}

  /**
   * The text's name, or undefined when it runs unnamed. `carriesValues`: the text holds a request's
   * values; it is named the second time it comes, while such texts hold fewer than half of the names.
   */
  nameFor(text: string, carriesValues = false): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined) return known ?? undefined;
    if (this.names.size >= this.capacity) return undefined;
    if (carriesValues && this.valueTexts >= Math.floor(this.capacity / 2)) return undefined;
    const hash = createHash('sha1').update(text).digest('hex').slice(0, 24);
    if (carriesValues && !this.seenOnce.delete(hash)) {
      if (this.seenOnce.size >= SEEN_ONCE_LIMIT) this.seenOnce.clear();
      this.seenOnce.add(hash);
      return undefined;
    }
    const name = `rec_${hash}`;
    this.names.set(text, name);
    if (carriesValues) this.valueTexts += 1;
    return name;
  }

  /** A text whose cached plan Postgres refused (its tables changed under it) runs unnamed from now on. */
  retire(text: string): void {
    this.names.set(text, null);
  }
}

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Runs a statement under its name when it has one. A named statement prepared before a schema
 * change that altered its result columns fails with "cached plan must not change result type";
 * that text is retired and the statement run again unnamed.
 */
export async function queryPrepared<R extends unknown[]>(
  pool: Queryable,
  names: StatementNames,
  statement: { readonly text: string; readonly values: unknown[] },
): Promise<pg.QueryResult<R>> {
  const name = names.nameFor(statement.text);
  const config = { text: statement.text, values: statement.values, rowMode: 'array' as const };
  if (!name) return pool.query<R>(config);
  try {
    return await pool.query<R>({ ...config, name });
  } catch (error) {
    if (!isStalePlan(error)) throw error;
    names.retire(statement.text);
    return pool.query<R>(config);
  }
}

/** Postgres' refusal to reuse a prepared statement whose result columns changed (SQLSTATE 0A000). */
export function isStalePlan(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan');
}
