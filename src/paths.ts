// Locations inside the project, found from this file so they hold for `src/` (tsx, tests) and
// for the compiled `dist/src/` alike.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let directory = start;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`No package.json above ${start}`);
    directory = parent;
  }
  return directory;
}

export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'prisma', 'migrations');
export const SCHEMA_SDL_PATH = join(PROJECT_ROOT, 'schema', 'schema.graphql');
/** The web pages, as `npm run build` builds them from web/. */
export const WEB_DIST_DIR = join(PROJECT_ROOT, 'dist', 'web');
export const fromProjectRoot = (...parts: string[]): string => resolve(PROJECT_ROOT, ...parts);
