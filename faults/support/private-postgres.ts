// A Postgres cluster of the fault suite's own: initdb + pg_ctl from the machine's PostgreSQL
// binaries into a temporary directory, on a free port. The suite stops and restarts it (the outage
// scenario), which it must never do to a server other people use. initdb and postgres refuse to run
// as root, so as root every command runs as the `postgres` OS user.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
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
  /** Where its initdb, pg_ctl and postgres are. */
  readonly binDir: string;
}

async function pgCommand(
  user: PostgresUser | null,
  binDir: string,
  binary: string,
  args: readonly string[],
): Promise<string> {
  const path = join(binDir, binary);
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

  /**
   * initdb into a fresh directory and start it. `withoutExtensions` gives the cluster an
   * installation of its own in which those extensions are not installed (a server without pgvector).
   */
  static async create(options: { withoutExtensions?: readonly string[] } = {}): Promise<PrivatePostgres> {
    if (!existsSync(join(PG_BIN, 'initdb'))) {
      throw new Error(`no initdb in ${PG_BIN}: install PostgreSQL 15 or set FAULTS_PG_BIN`);
    }
    const user = await postgresUser();
    const dir = mkdtempSync(join(faultsWorkDir(), 'pg-'));
    try {
      return await PrivatePostgres.initAndStart(dir, user, options);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private static async initAndStart(
    dir: string,
    user: PostgresUser | null,
    options: { withoutExtensions?: readonly string[] },
  ): Promise<PrivatePostgres> {
    if (user) {
      chownSync(dir, user.uid, user.gid);
      await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]).catch(() => {
        throw new Error(
          `the postgres OS user cannot reach ${dir}: make FAULTS_WORK_DIR and its parents traversable`,
        );
      });
    }
    const binDir = options.withoutExtensions?.length
      ? await installationWithout(join(dir, 'install'), options.withoutExtensions)
      : PG_BIN;
    const cluster = new PrivatePostgres({ dir, port: await freePort(), binDir }, user);
    await pgCommand(user, cluster.handle.binDir, 'initdb', [
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
    await pgCommand(this.user, this.handle.binDir, 'pg_ctl', [
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
    await pgCommand(this.user, this.handle.binDir, 'pg_ctl', [
      '-D',
      this.dataDir,
      '-m',
      mode,
      '-w',
      '-t',
      '60',
      'stop',
    ]);
  }

  running(): boolean {
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
    if (this.running()) await this.stop('immediate').catch(() => undefined);
    rmSync(this.handle.dir, { recursive: true, force: true });
  }
}

/**
 * A copy of the PostgreSQL installation under `root` without some extensions. PostgreSQL finds its
 * share directory (where extension control files live) relative to its own executable when the
 * installation keeps its layout, so copying the three programs and the share directory, and linking
 * the library directory, makes an installation in which `pg_available_extensions` lacks them.
 */
async function installationWithout(root: string, extensions: readonly string[]): Promise<string> {
  const pgConfig = async (flag: string): Promise<string> =>
    (await run(join(PG_BIN, 'pg_config'), [flag])).stdout.trim();
  const [binDir, shareDir, pkgLibDir] = [PG_BIN, await pgConfig('--sharedir'), await pgConfig('--pkglibdir')];
  let prefix = binDir;
  while (!shareDir.startsWith(`${prefix}/`) || !pkgLibDir.startsWith(`${prefix}/`)) prefix = dirname(prefix);
  const relocated = (path: string): string => join(root, relative(prefix, path));
  mkdirSync(relocated(binDir), { recursive: true });
  for (const program of ['postgres', 'initdb', 'pg_ctl'])
    copyFileSync(join(binDir, program), join(relocated(binDir), program));
  for (const program of ['postgres', 'initdb', 'pg_ctl']) chmodSync(join(relocated(binDir), program), 0o755);
  mkdirSync(dirname(relocated(pkgLibDir)), { recursive: true });
  if (!existsSync(relocated(pkgLibDir))) symlinkSync(pkgLibDir, relocated(pkgLibDir));
  cpSync(shareDir, relocated(shareDir), {
    recursive: true,
    filter: (source) =>
      !extensions.some((name) => {
        const file = basename(source);
        return (
          dirname(source).endsWith('/extension') &&
          (file === `${name}.control` || file.startsWith(`${name}--`))
        );
      }),
  });
  return relocated(binDir);
}
