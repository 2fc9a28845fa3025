// The figures the fault suite measures, merged into faults/results.json by scenario, which
// RELIABILITY.md quotes. Each run replaces the scenarios it ran and keeps the others.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';

export const RESULTS_PATH = join(PROJECT_ROOT, 'faults', 'results.json');

interface Results {
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  scenarios: Record<string, { measuredAt: string } & Record<string, unknown>>;
}

export function recordFigures(scenario: string, figures: Record<string, unknown>): void {
  const previous: Results | null = existsSync(RESULTS_PATH)
    ? (JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as Results)
    : null;
  const results: Results = {
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
    },
    scenarios: { ...previous?.scenarios, [scenario]: { measuredAt: new Date().toISOString(), ...figures } },
  };
  writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
}

export const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
