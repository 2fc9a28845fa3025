// Interaction files (`events:import`, `eval:behavior`): CSV with a header row, or NDJSON (one JSON
// object per line), with the fields of InteractionInput — eventId, userToken, productId or sku,
// type, occurredAt, orderId. Streamed record by record, so files of any size use constant memory.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { type InteractionInput, InteractionType } from './interaction.domain.js';

/** One record of a file: its 1-based number, and the event it holds (or why it holds none). */
export type FileRecord =
  | { readonly number: number; readonly event: InteractionInput; readonly problem?: undefined }
  | { readonly number: number; readonly event?: undefined; readonly problem: string };

const TYPES = new Set<string>(Object.values(InteractionType));
/** A field's text: strings and numbers as written; absent, empty or structured values as null. */
const text = (value: unknown): string | null =>
  typeof value === 'string'
    ? value === ''
      ? null
      : value
    : typeof value === 'number'
      ? String(value)
      : null;

/** A raw record (CSV row or JSON object) as an event; problems the service would not name itself. */
export function toEvent(raw: Record<string, unknown>): InteractionInput | string {
  const type = text(raw['type'])?.toUpperCase() ?? null;
  if (!type || !TYPES.has(type))
    return `type must be one of ${[...TYPES].join(', ')}, got ${JSON.stringify(raw['type'])}`;
  const when = text(raw['occurredAt']);
  const occurredAt = when === null ? null : new Date(when);
  if (occurredAt && Number.isNaN(occurredAt.getTime()))
    return `occurredAt is not a date: ${JSON.stringify(when)}`;
  return {
    eventId: text(raw['eventId']),
    userToken: text(raw['userToken']) ?? '',
    productId: text(raw['productId']),
    sku: text(raw['sku']),
    type: type as InteractionType,
    occurredAt,
    orderId: text(raw['orderId']),
  };
}

export function fileFormat(path: string): 'csv' | 'ndjson' {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(ndjson|jsonl)$/i.test(path)) return 'ndjson';
  throw new Error(`${path}: expected a .csv, .ndjson or .jsonl file`);
}

/** The file's records in order; `bytesRead()` tells how far the stream has got (for progress). */
export function readEventFile(path: string): { records: AsyncIterable<FileRecord>; bytesRead: () => number } {
  const stream = createReadStream(path);
  const format = fileFormat(path);
  async function* records(): AsyncGenerator<FileRecord> {
    let number = 0;
    const source: AsyncIterable<unknown> =
      format === 'csv'
        ? stream.pipe(parse({ columns: true, bom: true, skip_empty_lines: true, trim: true }))
        : createInterface({ input: stream, crlfDelay: Infinity });
    for await (const item of source) {
      let raw: unknown = item;
      if (format === 'ndjson') {
        const line = String(item).trim();
        if (line === '') continue;
        number++;
        try {
          raw = JSON.parse(line);
        } catch {
          yield { number, problem: 'not valid JSON' };
          continue;
        }
      } else {
        number++;
      }
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        yield { number, problem: 'not an object' };
        continue;
      }
      const event = toEvent(raw as Record<string, unknown>);
      yield typeof event === 'string' ? { number, problem: event } : { number, event };
    }
  }
  return { records: records(), bytesRead: () => stream.bytesRead };
}
