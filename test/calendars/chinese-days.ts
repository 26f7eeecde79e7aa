/** chinese-days's answers, from a child process pinned to TZ=Asia/Shanghai (see fixtures/chinese-days-probe.ts). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChineseDaysAnswers {
  days: Record<string, { workday: boolean; holiday: boolean }>;
  lunar: Record<string, { chuYi: string; qingMing: string; duanWu: string; zhongQiu: string }>;
}

const cached = new Map<string, ChineseDaysAnswers>();

/**
 * The days `from`..`to` (by default 2022-12-01..2026-12-31, the shipped notices) and the lunar
 * dates of 2023–2032.
 */
export function chineseDaysAnswers(days: { from: string; to: string } = { from: '2022-12-01', to: '2026-12-31' }): ChineseDaysAnswers {
  const key = `${days.from}..${days.to}`;
  const hit = cached.get(key);
  if (hit) return hit;
  const probe = fileURLToPath(new URL('./fixtures/chinese-days-probe.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', probe, days.from, days.to], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, TZ: 'Asia/Shanghai' },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`chinese-days probe failed: ${child.stderr}`);
  const answers = JSON.parse(child.stdout.trim().split('\n').pop()!) as ChineseDaysAnswers;
  cached.set(key, answers);
  return answers;
}
