/**
 * Answers do not change with the process's time zone. Node reads TZ once per process, so each
 * zone runs test/calendars/fixtures/tz-probe.ts in a child process and the outputs are compared.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('./fixtures/tz-probe.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

function run(tz: string): { tz: string; offsetMinutes: number; answers: unknown } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', probe], {
    cwd: root,
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`probe failed under TZ=${tz}: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

describe('time-zone independence', () => {
  const shanghai = run('Asia/Shanghai');

  it.each(['America/Los_Angeles', 'America/New_York', 'Europe/Berlin', 'UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'])('TZ=%s gives the same answers as TZ=Asia/Shanghai', (tz) => {
    const other = run(tz);
    // The children really ran in different zones …
    expect(other.tz).toBe(tz);
    expect(other.offsetMinutes).not.toBe(shanghai.offsetMinutes);
    // … and agree on every answer.
    expect(other.answers).toEqual(shanghai.answers);
  });

  it('and the answers are the right ones', () => {
    const a = shanghai.answers as { shanghaiDates: string[]; dateTimes: string[]; endsOfDay: string[]; deadlines: { dueDate: string }[] };
    expect(a.shanghaiDates.slice(0, 2)).toEqual(['2026-02-13', '2026-02-14']);
    expect(a.dateTimes.slice(0, 2)).toEqual(['2026-02-13 23:59:59', '2026-02-14 00:00:00']);
    expect(a.dateTimes.slice(-2)).toEqual(['2026-11-01 13:30:00', '2026-11-01 14:30:00']);
    expect(a.endsOfDay[0]).toBe('2023-01-09T15:59:59.999Z');
    expect(a.deadlines[0]!.dueDate).toBe('2026-02-27');
    expect(a.deadlines[4]!.dueDate).toBe('2026-02-28');
  });
});
