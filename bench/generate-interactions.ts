// Writes a generated interaction log with planted structure as NDJSON (for `npm run eval:behavior`
// and `npm run events:import`): shoppers with one or two favourite taste groups, some of whom turn
// to a new group half-way, popularity-skewed noise.
//
//   npx tsx bench/generate-interactions.ts <out.ndjson> [--users 1000] [--items 1700] [--events-per-user 100]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { plantedLog, toNdjson } from '../test/support/interaction-logs.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    users: { type: 'string', default: '1000' },
    items: { type: 'string', default: '1700' },
    groups: { type: 'string', default: '60' },
    'events-per-user': { type: 'string', default: '100' },
    noise: { type: 'string', default: '0.3' },
    drift: { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '1' },
  },
});
const out = positionals[0];
if (!out) throw new Error('usage: npx tsx bench/generate-interactions.ts <out.ndjson> [options]');
const log = plantedLog({
  users: Number(values.users),
  items: Number(values.items),
  groups: Number(values.groups),
  eventsPerUser: Number(values['events-per-user']),
  noise: Number(values.noise),
  drift: Number(values.drift),
  seed: Number(values.seed),
});
await writeFile(out, `${toNdjson(log.events)}\n`);
console.log(`${out}: ${log.events.length} events`);
