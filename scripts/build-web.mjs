// `npm run build:web`: builds the web pages (web/ → dist/web) with Vite only when their inputs
// changed since the last build (everything under web/, examples/ — GraphiQL preloads them — and the
// lock file), so `npm start` and `npm test` do not spend seconds rebuilding an unchanged front end.
// `npm run build:web -- --force` always builds.
//
// Plain JavaScript so that it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'dist/web');
const stampFile = join(output, '.inputs.sha256');

function filesUnder(directory) {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

const hash = createHash('sha256');
for (const file of [
  ...filesUnder(join(root, 'web')),
  ...filesUnder(join(root, 'examples')),
  join(root, 'package-lock.json'),
])
  hash
    .update(`${relative(root, file)}\0`)
    .update(readFileSync(file))
    .update('\0');
const digest = hash.digest('hex');

const force = process.argv.includes('--force');
if (
  !force &&
  existsSync(join(output, 'index.html')) &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8').trim() === digest
) {
  console.log('The web pages are up to date (dist/web); `npm run build:web -- --force` rebuilds.');
  process.exit(0);
}
const vite = join(root, 'node_modules/vite/bin/vite.js');
const result = spawnSync(
  process.execPath,
  [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stampFile, `${digest}\n`);
