// `npm run events:import -- <file.csv|ndjson> [--restart]`: loads an interaction history (the
// fields of InteractionInput) through the same service and validation as recordInteractions, in
// batches of 1000 events, streaming the file. Resumable: after every stored batch the number of
// records done is written to `<file>.import-state.json`, and a rerun continues after it (--restart
// starts over). Idempotent by eventId: a record without one gets `sha256:<hash of its fields>`, so
// importing a file twice stores its events once. A bad record stops the import, naming its number
// and field; everything before its batch is stored. Uses DATABASE_URL (or the embedded DATA_DIR).
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { loadConfig } from '../src/config.js';
import { openMigratedDatabase } from '../src/db/bootstrap.js';
import { ValidationError } from '../src/errors/domain-errors.js';
import { readEventFile } from '../src/interactions/event-file.js';
import { type InteractionInput, MAX_EVENTS_PER_CALL } from '../src/interactions/interaction.domain.js';
import { createLogger } from '../src/logger.js';
import { createServices } from '../src/services.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { restart: { type: 'boolean', default: false } },
});
const file = positionals[0] ? resolve(positionals[0]) : null;
if (!file || !existsSync(file)) {
  console.error('usage: npm run events:import -- <interactions.csv|ndjson> [--restart]');
  process.exit(2);
}
const statePath = `${file}.import-state.json`;
interface ImportState {
  readonly file: string;
  readonly records: number;
  readonly accepted: number;
  readonly duplicates: number;
}
const previous: ImportState | null =
  !values.restart && existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as ImportState)
    : null;
const skipUpTo = previous?.records ?? 0;

/** A stable id for a record without one: the same fields give the same id, on every run. */
const derivedEventId = (event: InteractionInput): string =>
  `sha256:${createHash('sha256')
    .update(
      JSON.stringify([
        event.userToken,
        event.productId,
        event.sku,
        event.type,
        event.occurredAt?.toISOString(),
        event.orderId,
      ]),
    )
    .digest('hex')
    .slice(0, 48)}`;

const config = loadConfig();
const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
const database = await openMigratedDatabase(config, logger);
let exitCode = 0;
try {
  const services = await createServices(database, config, logger);
  const size = statSync(file).size;
  const { records, bytesRead } = readEventFile(file);
  const bar = process.stdout.isTTY
    ? new SingleBar(
        {
          format:
            'events [{bar}] {percentage}% {value}/{total} bytes, {records} records, ETA {eta_formatted}',
        },
        Presets.shades_classic,
      )
    : null;
  bar?.start(size, 0, { records: skipUpTo });
  let lastLog = Date.now();
  let accepted = previous?.accepted ?? 0;
  let duplicates = previous?.duplicates ?? 0;
  let done = skipUpTo;
  const started = performance.now();
  let batch: Array<{ number: number; event: InteractionInput }> = [];
  if (skipUpTo > 0) console.log(`resuming after record ${skipUpTo} (${statePath}; --restart starts over)`);

  const flush = async (): Promise<boolean> => {
    if (batch.length === 0) return true;
    try {
      const result = await services.interactions.record(batch.map((item) => item.event));
      accepted += result.accepted;
      duplicates += result.duplicates;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      for (const problem of error.problems) {
        const match = /^events\[(\d+)\]\.?(.*)$/.exec(problem.field);
        const record = match ? batch[Number(match[1])]!.number : null;
        console.error(
          record === null
            ? `${problem.field}: ${problem.message}`
            : `record ${record}: ${match![2]} ${problem.message}`,
        );
      }
      return false;
    }
    done = batch[batch.length - 1]!.number;
    batch = [];
    const state: ImportState = { file, records: done, accepted, duplicates };
    writeFileSync(statePath, JSON.stringify(state));
    bar?.update(bytesRead(), { records: done });
    if (!bar && Date.now() - lastLog > 5_000) {
      lastLog = Date.now();
      console.log(`${done} records, ${Math.round((bytesRead() / size) * 100)} %`);
    }
    return true;
  };

  let ok = true;
  for await (const record of records) {
    if (record.number <= skipUpTo) continue;
    if (record.problem !== undefined) {
      // What came before the bad record is stored; the bad one is named.
      if (await flush()) console.error(`record ${record.number}: ${record.problem}`);
      ok = false;
      break;
    }
    batch.push({
      number: record.number,
      event: { ...record.event, eventId: record.event.eventId ?? derivedEventId(record.event) },
    });
    if (batch.length === MAX_EVENTS_PER_CALL && !(ok = await flush())) break;
  }
  if (ok) ok = await flush();
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${ok ? 'imported' : 'stopped'}: ${done} records done, ${accepted} events stored, ${duplicates} duplicates` +
      ` (${Math.round((done - skipUpTo) / Math.max(seconds, 1e-3))} records/s this run)`,
  );
  if (ok) rmSync(statePath, { force: true });
  else {
    console.error(`fix the record and run again: the import resumes after record ${done}`);
    exitCode = 1;
  }
} finally {
  await database.close();
}
process.exit(exitCode);
