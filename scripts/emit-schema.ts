// `npm run schema:emit`: writes the GraphQL SDL the code defines to schema/schema.graphql.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { buildGraphQLSchema, printSdl } from '../src/graphql-schema.js';
import { SCHEMA_SDL_PATH } from '../src/paths.js';

writeFileSync(SCHEMA_SDL_PATH, printSdl(await buildGraphQLSchema(null)));
console.log(`wrote ${SCHEMA_SDL_PATH}`);
