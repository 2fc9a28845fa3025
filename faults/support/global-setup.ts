// Starts the suite's private Postgres cluster once for every fault test file and removes it when
// the run ends, passed or failed. Test files get its handle through vitest's inject('postgres').
import { type TestProject } from 'vitest/node';
import { type ClusterHandle, PrivatePostgres } from './private-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ClusterHandle;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await PrivatePostgres.create();
  project.provide('postgres', cluster.handle);
  // Should the run be cut short without vitest's teardown, do not leave a postmaster behind.
  const onExit = (): void => void cluster.destroy();
  process.once('SIGINT', onExit);
  process.once('SIGTERM', onExit);
  return async () => {
    process.off('SIGINT', onExit);
    process.off('SIGTERM', onExit);
    await cluster.destroy();
  };
}
