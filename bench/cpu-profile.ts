// Where the service's own CPU time goes under a query load: the service is started with Node's
// --cpu-prof, and the profile's self time is grouped by package (node_modules/<package>), Node's
// internals, the service's code, garbage collection and idle time.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function category(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8/native (program)';
  if (!url) return `native: ${functionName || '(anonymous)'}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  if (/\/dist\/src\/|\/src\//.test(url)) return 'service code (src/)';
  return url;
}

export interface ProfileShare {
  readonly category: string;
  readonly ms: number;
  /** Share of the busy (non-idle) time. */
  readonly share: number;
}

/** Self time by category of the single .cpuprofile in `directory`, busiest first. */
export async function summariseCpuProfile(
  directory: string,
  /** Samples in the first `sinceMs` of the profile (start-up) are left out. */
  sinceMs = 0,
): Promise<{ busyMs: number; top: ProfileShare[] }> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${directory}`);
  const profile = JSON.parse(await readFile(join(directory, files[0]!), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let elapsedMs = 0;
  profile.samples.forEach((id, index) => {
    elapsedMs += (profile.timeDeltas[index] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node || elapsedMs < sinceMs) return;
    const key = category(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  const busyMs = [...totals].filter(([key]) => key !== '(idle)').reduce((sum, [, ms]) => sum + ms, 0);
  const top = [...totals]
    .filter(([key]) => key !== '(idle)')
    .map(([key, ms]) => ({ category: key, ms: Math.round(ms), share: ms / busyMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 12);
  return { busyMs: Math.round(busyMs), top };
}
