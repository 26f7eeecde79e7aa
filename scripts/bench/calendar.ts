/**
 * `npm run bench:calendar`: addWorkingDays calls per second, the O(1) index of
 * `WorkingDayCalendar` against a day-by-day reference walk (calendars/reference.ts), on the same
 * inputs: random days of 2023–2027 and n in 0..60 (seeded, so every run uses the same inputs).
 * The last line of stdout is one JSON line for the benchmark collector.
 */
import { defaultCalendar } from '../../calendars/index.js';
import { formatDay, parseDay } from '../../calendars/days.js';
import { ReferenceWalkCalendar } from '../../calendars/reference.js';
import { elapsedMs } from '../../infra/clock.js';
import { prng } from './prng.js';

const INPUTS = 20_000;
const MIN_MS = 1_000;

const cal = defaultCalendar();
const ref = new ReferenceWalkCalendar(cal.notices);

// Inputs: a day of 2023-01-01..2027-12-31 and n in 0..60. The few late-2027 inputs whose answer
// would fall in 2028 (not covered: both sides refuse) are left out so both sides do the same work.
const random = prng(20260213);
const first = Date.parse('2023-01-01T00:00:00Z');
const span = 5 * 365 + 1;
const dates: string[] = [];
const ns: number[] = [];
let refused = 0;
while (dates.length < INPUTS) {
  const d = new Date(first + Math.floor(random() * span) * 86_400_000).toISOString().slice(0, 10);
  const n = Math.floor(random() * 61);
  try {
    cal.addWorkingDays(d, n);
  } catch {
    refused++;
    continue;
  }
  dates.push(d);
  ns.push(n);
}

// Same answers on every input, or the comparison means nothing.
for (let i = 0; i < INPUTS; i++) {
  const a = cal.addWorkingDays(dates[i]!, ns[i]!);
  const b = ref.addWorkingDays(dates[i]!, ns[i]!);
  if (a !== b) throw new Error(`disagree on ${dates[i]} + ${ns[i]}: index ${a}, walk ${b}`);
}

function measure(add: (d: string, n: number) => string): { calls: number; ms: number; perSecond: number; sink: number } {
  let sink = 0;
  for (let i = 0; i < Math.min(INPUTS, 5_000); i++) sink += add(dates[i]!, ns[i]!).charCodeAt(9); // warm-up
  let calls = 0;
  const start = elapsedMs();
  let ms: number;
  do {
    for (let i = 0; i < INPUTS; i++) sink += add(dates[i]!, ns[i]!).charCodeAt(9);
    calls += INPUTS;
    ms = elapsedMs() - start;
  } while (ms < MIN_MS);
  return { calls, ms, perSecond: (calls / ms) * 1000, sink };
}

const index = measure((d, n) => cal.addWorkingDays(d, n));
const walk = measure((d, n) => ref.addWorkingDays(d, n));
// For scale only (not the JSON baseline): a walk that asks the index about each day in turn.
const walkOnIndex = measure((d, n) => {
  let day = parseDay(d);
  for (let left = n; left > 0; ) if (cal.isWorkingDay(formatDay(++day))) left--;
  return formatDay(day);
});
const ratio = Math.round((index.perSecond / walk.perSecond) * 100) / 100;

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const rows = [
  ['method', 'calls', 'ms', 'calls/s', 'ns/call'],
  ['index (prefix sums)', fmt(index.calls), index.ms.toFixed(0), fmt(index.perSecond), (1e9 / index.perSecond).toFixed(1)],
  ['walk (reference)', fmt(walk.calls), walk.ms.toFixed(0), fmt(walk.perSecond), (1e9 / walk.perSecond).toFixed(1)],
  ['walk, O(1) day lookups', fmt(walkOnIndex.calls), walkOnIndex.ms.toFixed(0), fmt(walkOnIndex.perSecond), (1e9 / walkOnIndex.perSecond).toFixed(1)],
];
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');

console.log(`calendar ${cal.version}, years ${cal.loadedYears.join(', ')} (+${cal.coveredYears.to} provisional)`);
console.log(`${INPUTS.toLocaleString('en-US')} inputs: days 2023–2027, n 0..60 (${refused} drawn past 2027 left out); answers identical`);
console.log(line(rows[0]!));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows.slice(1)) console.log(line(r));
console.log(`index / reference walk: ${ratio}×; index / walk with O(1) day lookups: ${(index.perSecond / walkOnIndex.perSecond).toFixed(2)}×   (sink ${(index.sink + walk.sink + walkOnIndex.sink) % 10})`);
console.log('reference walk = calendars/reference.ts: UTC Dates stepped a day at a time, each day looked up in sets built from the notices');
console.log(
  JSON.stringify({
    name: 'calendar-addWorkingDays',
    value: Math.round(index.perSecond),
    unit: 'calls/s',
    baseline: Math.round(walk.perSecond),
    ratio,
  }),
);
