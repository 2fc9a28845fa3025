// COPY … FROM STDIN for node-postgres without another dependency: a "submittable" query object (the
// interface pg-copy-streams implements) that streams chunks from an async iterable, honouring the
// socket's back-pressure, and resolves with the row count when the server has taken them all.
import type pg from 'pg';

interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}

class CopyFromQuery {
  callback?: (error: Error | null, rows?: number) => void;
  private rows = 0;
  private error: Error | null = null;

  constructor(
    private readonly text: string,
    private readonly chunks: AsyncIterable<Buffer>,
  ) {}

  submit(connection: CopyConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    void this.send(connection);
  }

  private async send(connection: CopyConnection): Promise<void> {
    try {
      for await (const chunk of this.chunks) {
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) {
          await new Promise<void>((resolve) => connection.stream.once('drain', () => resolve()));
        }
      }
      connection.endCopyFrom();
    } catch (error) {
      connection.sendCopyFail(error instanceof Error ? error.message : String(error));
    }
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message.text ?? '');
    if (match) this.rows = Number(match[1]);
  }

  handleError(error: Error): void {
    this.error = error;
  }

  handleReadyForQuery(): void {
    this.callback?.(this.error, this.rows);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Runs `COPY … FROM STDIN` with the given data chunks; returns the number of rows copied. */
export function copyFrom(
  client: pg.PoolClient | pg.Client,
  text: string,
  chunks: AsyncIterable<Buffer>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const query = new CopyFromQuery(text, chunks);
    query.callback = (error, rows) => (error ? reject(error) : resolve(rows ?? 0));
    (client as unknown as { query(submittable: CopyFromQuery): void }).query(query);
  });
}

/** Binary COPY tuples (PGCOPY format): header, rows of length-prefixed fields, trailer. */
export class BinaryCopyWriter {
  private buffer: Buffer;
  private offset = 0;

  constructor(capacity = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  static header(): Buffer {
    const header = Buffer.alloc(19);
    header.write('PGCOPY\n\xff\r\n\0', 0, 'binary');
    return header; // flags and header extension length are zero
  }

  static trailer(): Buffer {
    const trailer = Buffer.alloc(2);
    trailer.writeInt16BE(-1, 0);
    return trailer;
  }

  private ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  row(fields: number): void {
    this.ensure(2);
    this.offset = this.buffer.writeInt16BE(fields, this.offset);
  }

  uuid(hex: string): void {
    this.ensure(20);
    this.offset = this.buffer.writeInt32BE(16, this.offset);
    this.offset += this.buffer.write(hex.replace(/-/g, ''), this.offset, 'hex');
  }

  text(value: string): void {
    const length = Buffer.byteLength(value);
    this.ensure(4 + length);
    this.offset = this.buffer.writeInt32BE(length, this.offset);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
  }

  /** pgvector's binary `vector`: int16 dimensions, int16 unused, float4 values, big-endian. */
  vector(values: ArrayLike<number>): void {
    const length = 4 + 4 * values.length;
    this.ensure(4 + length);
    this.offset = this.buffer.writeInt32BE(length, this.offset);
    this.offset = this.buffer.writeInt16BE(values.length, this.offset);
    this.offset = this.buffer.writeInt16BE(0, this.offset);
    for (let i = 0; i < values.length; i++) this.offset = this.buffer.writeFloatBE(values[i]!, this.offset);
  }

  /** Takes what was written so far. */
  take(): Buffer {
    const chunk = Buffer.from(this.buffer.subarray(0, this.offset));
    this.offset = 0;
    return chunk;
  }
}
