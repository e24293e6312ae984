/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `BENCH_PROFILE=1 npm run bench`):
 * the functions with the most self time, the packages they live in, and a folded-stacks
 * file beside it (`<profile>.folded`) for flamegraph.pl or speedscope.
 *
 *   node dist/bench/profile-summary.js bench/results/profiles/CPU.*.cpuprofile [top] [--last=SECONDS]
 *
 * --last=S keeps only the samples of the profile's last S seconds: the load phase,
 * without the corpus upload before it.
 */
import { readFile, writeFile } from 'node:fs/promises';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const frameName = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${f.lineNumber + 1}`;

/** Where a frame's code lives: a package, the registry itself, node internals or V8. */
function area(f: CallFrame): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1];
  if (pkg) return pkg;
  if (f.url.includes('/dist/registry/')) return 'registry';
  if (f.url.startsWith('node:')) return 'node';
  return f.url ? f.url : f.functionName || '(vm)';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const lastSeconds = Number(args.find((a) => a.startsWith('--last='))?.slice(7) ?? Infinity);
  const [file, topArg] = args.filter((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top] [--last=SECONDS]');
  const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  const end = profile.timeDeltas.reduce((t, dt) => t + dt, 0);
  let at = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (end - at > lastSeconds * 1e6) return;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const byFrame = new Map<string, number>();
  const byArea = new Map<string, number>();
  const folded = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    byFrame.set(frameName(node.callFrame), (byFrame.get(frameName(node.callFrame)) ?? 0) + us);
    byArea.set(area(node.callFrame), (byArea.get(area(node.callFrame)) ?? 0) + us);
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame.functionName || '(anonymous)');
    const key = stack.reverse().join(';');
    folded.set(key, (folded.get(key) ?? 0) + us);
  }
  const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5) + ' %';
  const top = Number(topArg ?? 30);
  console.log(`total sampled: ${(total / 1e6).toFixed(2)} s\n\nself time by area:`);
  for (const [k, us] of [...byArea].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log(`${pct(us)}  ${k}`);
  console.log('\nself time by function:');
  for (const [k, us] of [...byFrame].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
  await writeFile(`${file}.folded`, [...folded].map(([k, us]) => `${k} ${us}`).join('\n') + '\n');
  console.log(`\nfolded stacks: ${file}.folded`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
