// Entry point of `npm run worker`: a worker process (ROLE=worker whatever ROLE says), running the
// queued jobs (embedding, re-embedding, BEHAVIOR training) for the API processes; needs DATABASE_URL.
import 'reflect-metadata';
import { runServiceProcess } from './service-process.js';

runServiceProcess('worker').catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
