// Configuration for the Prisma CLI (`prisma generate`, and `prisma migrate status/deploy` where
// the schema engine is installed). The service itself applies migrations with src/db/migrator.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['DATABASE_URL'] ?? 'postgresql://localhost:5432/postgres' },
});
