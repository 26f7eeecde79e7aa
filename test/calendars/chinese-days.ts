/** chinese-days's answers, from a child process pinned to TZ=Asia/Shanghai (see fixtures/chinese-days-probe.ts). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChineseDaysAnswers {
  days: Record<string, { workday: boolean; holiday: boolean }>;
  lunar: Record<string, { chuYi: string; qingMing: string; duanWu: string; zhongQiu: string }>;
}

let cached: ChineseDaysAnswers | undefined;

export function chineseDaysAnswers(): ChineseDaysAnswers {
  if (cached) return cached;
  const probe = fileURLToPath(new URL('./fixtures/chinese-days-probe.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', probe], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, TZ: 'Asia/Shanghai' },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`chinese-days probe failed: ${child.stderr}`);
  cached = JSON.parse(child.stdout.trim().split('\n').pop()!) as ChineseDaysAnswers;
  return cached;
}
