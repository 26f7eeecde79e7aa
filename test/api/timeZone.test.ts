/**
 * The API answers the same whatever the server's time zone (a container on UTC, a laptop in Berlin
 * or New York, a host at UTC+14 or UTC−11): deadlines, Beijing dates, report periods, CSV times and
 * file names. Node reads TZ once per process, so each zone runs test/api/fixtures/tz-report-probe.ts
 * in a child process and the outputs are compared.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('./fixtures/tz-report-probe.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Answers {
  task: { dueDate: string };
  beforeMidnight: number;
  afterMidnight: number;
  overdueCsv: { file: string; text: string };
  slaCsv: { file: string; text: string };
}

function run(tz: string): { tz: string; offsetMinutes: number; answers: Answers } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', probe], {
    cwd: root,
    env: { ...process.env, TZ: tz, LANG: 'C', LC_ALL: 'C' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`probe failed under TZ=${tz}: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

describe('the API in a process not on Beijing time', () => {
  const shanghai = run('Asia/Shanghai');

  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'])('given TZ=%s, when a case, a notice and the reports cross Beijing midnights, then the answers are those under TZ=Asia/Shanghai', (tz) => {
    const other = run(tz);
    expect(other.tz).toBe(tz);
    expect(other.offsetMinutes).not.toBe(shanghai.offsetMinutes);
    expect(other.answers).toEqual(shanghai.answers);
  });

  it('and they are the Beijing ones', () => {
    const a = shanghai.answers;
    // Raised Thu 2026-12-03 23:59 Beijing time: 10 working days (第十六条第二款) counted from Fri 12-04.
    expect(a.task.dueDate).toBe('2026-12-17');
    // A notice issued 2026-12-04 is refused at 23:59 on the 3rd, taken at 00:00:30 on the 4th.
    expect([a.beforeMidnight, a.afterMidnight]).toEqual([400, 200]);
    expect(a.overdueCsv.file).toBe('attachment; filename="overdue-2027-01-01.csv"');
    expect(a.overdueCsv.text).toContain(',2026-12-03 23:59:00,2026-12-17 23:59:59,');
    // At 2027-01-01 00:00 Beijing time the year up to now, [from, to), is the whole of 2026.
    expect(a.slaCsv.file).toBe('attachment; filename="sla-by-stage-2026-01-01-2026-12-31.csv"');
  });
});
