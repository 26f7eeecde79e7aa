/**
 * `npm run bench`: runs every `bench:<area>` script of package.json, one after another, and writes
 * their closing JSON lines into docs/BENCHMARKS.md with the machine and the date.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { systemClock } from '../../infra/clock.js';

interface Result {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const only = process.argv.slice(2);
const scripts = Object.keys(pkg.scripts)
  .filter((s) => s.startsWith('bench:'))
  .filter((s) => only.length === 0 || only.includes(s.slice('bench:'.length)));

const rows: { script: string; result?: Result; error?: string; seconds: number }[] = [];
for (const [i, script] of scripts.entries()) {
  process.stderr.write(`[${i + 1}/${scripts.length}] npm run ${script} …\n`);
  const started = performance.now();
  const run = spawnSync('npm', ['run', '--silent', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(run.stdout);
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    if (run.status !== 0) throw new Error(`exit ${run.status}`);
    rows.push({ script, result: JSON.parse(last) as Result, seconds });
  } catch (err) {
    rows.push({ script, error: (err as Error).message, seconds });
  }
}

/** Fields a script reports beside the five required ones (a latency, a p50). */
function extras(result: Result): string {
  const known = new Set(['name', 'value', 'unit', 'baseline', 'ratio']);
  return Object.entries(result)
    .filter(([k]) => !known.has(k))
    .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : String(v)}`)
    .join('; ');
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
let commit = 'uncommitted';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a checkout
}
const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));
const lines = [
  '# Benchmarks',
  '',
  `Produced by \`npm run bench\` on ${systemClock.now().toISOString().slice(0, 10)} at commit ${commit}.`,
  `Machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node.js ${process.version}.`,
  '',
  'Every figure is measured beside its baseline in the same run; `ratio` is value/baseline for',
  'throughputs and baseline/value for times, so higher is always better.',
  '',
  '| script | measure | value | baseline | ratio | also measured | took |',
  '| --- | --- | ---: | ---: | ---: | --- | ---: |',
  ...rows.map((r) =>
    r.result
      ? `| \`${r.script}\` | ${r.result.name} | ${fmt(r.result.value)} ${r.result.unit} | ${fmt(r.result.baseline)} ${r.result.unit} | ${r.result.ratio} | ${extras(r.result)} | ${r.seconds.toFixed(0)} s |`
      : `| \`${r.script}\` | failed: ${r.error} | | | | | ${r.seconds.toFixed(0)} s |`,
  ),
  '',
];
mkdirSync('docs', { recursive: true });
writeFileSync('docs/BENCHMARKS.md', lines.join('\n'));
process.stderr.write(`wrote docs/BENCHMARKS.md (${rows.length} scripts)\n`);
if (rows.some((r) => r.error)) process.exitCode = 1;
