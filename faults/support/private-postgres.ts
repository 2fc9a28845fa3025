// A Postgres cluster of the fault suite's own: initdb + pg_ctl from the machine's PostgreSQL
// binaries into a temporary directory, on a free port. The suite stops and restarts it (the outage
// scenario), which it must never do to a server other people use. initdb and postgres refuse to run
// as root, so as root every command runs as the `postgres` OS user.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where initdb and pg_ctl live (Debian's PostgreSQL 15 unless FAULTS_PG_BIN says otherwise). */
export const PG_BIN = process.env['FAULTS_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

/** Where the suite keeps its clusters and data directories; .ci/run points it into its own temp dir. */
export function faultsWorkDir(): string {
  const dir = process.env['FAULTS_WORK_DIR'] ?? join(tmpdir(), 'recommender-faults');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface PostgresUser {
  readonly uid: number;
  readonly gid: number;
}

/** As root, the `postgres` OS user the cluster runs as; otherwise null (run as ourselves). */
async function postgresUser(): Promise<PostgresUser | null> {
  if (process.getuid?.() !== 0) return null;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export interface ClusterHandle {
  /** The cluster's directory (data/, the socket and the server log). */
  readonly dir: string;
  readonly port: number;
}

async function pgCommand(
  user: PostgresUser | null,
  binary: string,
  args: readonly string[],
): Promise<string> {
  const path = join(PG_BIN, binary);
  const [command, argv] = user ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
  try {
    const { stdout } = await run(command, argv, { timeout: 120_000 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${binary} ${args.join(' ')} failed: ${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}

/** The controls of a cluster, for the process that created it and for test files given its handle. */
export class PrivatePostgres {
  private constructor(
    readonly handle: ClusterHandle,
    private readonly user: PostgresUser | null,
  ) {}

  get dataDir(): string {
    return join(this.handle.dir, 'data');
  }

  /** A URL for a database of the cluster (the superuser `postgres`, trust auth on 127.0.0.1 only). */
  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.handle.port}/${database}`;
  }

  static async attach(handle: ClusterHandle): Promise<PrivatePostgres> {
    return new PrivatePostgres(handle, await postgresUser());
  }

  /** initdb into a fresh directory and start it. */
  static async create(): Promise<PrivatePostgres> {
    if (!existsSync(join(PG_BIN, 'initdb'))) {
      throw new Error(`no initdb in ${PG_BIN}: install PostgreSQL 15 or set FAULTS_PG_BIN`);
    }
    const user = await postgresUser();
    const dir = mkdtempSync(join(faultsWorkDir(), 'pg-'));
    if (user) {
      chownSync(dir, user.uid, user.gid);
      await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]).catch(() => {
        throw new Error(
          `the postgres OS user cannot reach ${dir}: make FAULTS_WORK_DIR and its parents traversable`,
        );
      });
    }
    const cluster = new PrivatePostgres({ dir, port: await freePort() }, user);
    await pgCommand(user, 'initdb', [
      '-D',
      cluster.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      // The cluster lives for one run: skipping initdb's own fsyncs saves seconds, and the server
      // itself keeps its normal durability settings.
      '--no-sync',
    ]);
    await cluster.start();
    return cluster;
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.handle.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.handle.dir}`,
      '-c max_connections=200',
    ].join(' ');
    await pgCommand(this.user, 'pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      join(this.handle.dir, 'server.log'),
      '-o',
      options,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  }

  /** fast: disconnect every client and shut down cleanly; immediate: as a crash would. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await pgCommand(this.user, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async running(): Promise<boolean> {
    return existsSync(join(this.dataDir, 'postmaster.pid'));
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** Stop the server (if running) and delete its directory. */
  async destroy(): Promise<void> {
    if (await this.running()) await this.stop('immediate').catch(() => undefined);
    rmSync(this.handle.dir, { recursive: true, force: true });
  }
}
