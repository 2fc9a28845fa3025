// `npm start` (src/main.ts) with its Postgres server down: it retries with back-off for
// DB_STARTUP_RETRY_MS, then exits 1 with a message naming DATABASE_URL, password hidden.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

describe('start-up with the Postgres server down', () => {
  it('retries for DB_STARTUP_RETRY_MS, then names DATABASE_URL without its password', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['NODE_ENV'];
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...env,
        // Port 1 on loopback: nothing listens, every connection is refused.
        DATABASE_URL: 'postgresql://app:s3cret-pass@127.0.0.1:1/shop',
        DB_STARTUP_RETRY_MS: '1500',
        MODELS_AUTO_DOWNLOAD: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const ms = performance.now() - started;
    expect(code).toBe(1);
    expect(ms).toBeGreaterThan(1_500);
    expect(ms).toBeLessThan(30_000);
    const retries = stdout
      .split('\n')
      .filter((line) => line.includes('database not reachable yet; retrying'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(stderr).toContain('DATABASE_URL=postgresql://app:***@127.0.0.1:1/shop');
    expect(stderr).toContain('DB_STARTUP_RETRY_MS');
    expect(stdout + stderr).not.toContain('s3cret-pass');
  });
});
