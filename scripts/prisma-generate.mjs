// `npm run generate`: runs `prisma generate` into src/generated/prisma only when its inputs changed
// since the last run (the schema, prisma.config.ts, the installed Prisma versions), so `npm start`,
// `npm test` and the other scripts that need the client do not rewrite it (and make `tsc -b` rebuild)
// every time. `npm run generate -- --force` always regenerates.
//
// Plain JavaScript so that it runs before anything is compiled, without tsx's start-up cost.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'src/generated/prisma');
const stampFile = join(output, '.inputs.sha256');
const inputs = [
  'prisma/schema.prisma',
  'prisma.config.ts',
  'node_modules/prisma/package.json',
  'node_modules/@prisma/client/package.json',
];

const hash = createHash('sha256');
for (const file of inputs)
  hash
    .update(`${file}\0`)
    .update(readFileSync(join(root, file)))
    .update('\0');
const digest = hash.digest('hex');

const force = process.argv.includes('--force');
const upToDate =
  !force &&
  existsSync(join(output, 'client.ts')) &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8').trim() === digest;
if (upToDate) {
  console.log(
    'Prisma Client is up to date (src/generated/prisma); `npm run generate -- --force` regenerates.',
  );
  process.exit(0);
}

// The CLI runs on WASM but still wants a schema-engine path at start-up; any existing file will do.
const env = {
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || 'package.json',
};
const cli = join(root, 'node_modules/prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate'], { cwd: root, env, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stampFile, `${digest}\n`);
