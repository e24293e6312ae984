/**
 * `npm run soak`: the long soak (README.md here). SOAK_SECONDS (default 600) sets its length;
 * prints progress, the summary, and the report as JSON last; exits 1 when an invariant failed.
 */
import { runSoak } from './soak.js';
import { formatReport } from './soak-report.js';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
if (!(seconds > 0)) {
  console.error('SOAK_SECONDS must be a positive number');
  process.exit(2);
}
console.log(`soak: ${seconds} s of mixed load on two registry processes sharing one PostgreSQL 15 cluster`);
const report = await runSoak({ durationMs: seconds * 1000, progress: (line) => console.log(line) });
console.log(formatReport(report));
const { processes, ...rest } = report;
const summary = { ...rest, processes: Object.fromEntries(Object.entries(processes).map(([n, p]) => [n, { pid: p.pid, samples: p.rssKiB.length, leveling: p.leveling }])) };
console.log(JSON.stringify(summary));
process.exit(report.violationCount === 0 ? 0 : 1);
