// Entry point of `npm start`: one process of the configured ROLE (default `all`: GraphQL and the
// job workers together, on the embedded database unless DATABASE_URL is set).
import 'reflect-metadata';
import { runServiceProcess } from './service-process.js';

runServiceProcess().catch((error: unknown) => {
  // Start-up failures (bad configuration, a failing migration) end the process with their reason.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
