/**
 * Set-up shared by the tests that stop npm start part-way (timerPassStop, startupReadStop): active
 * conditional-data applications whose use ended days ago by the system clock the real server runs
 * on, so its first timer pass finds them due.
 */
import { createApp } from '../../api/app.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { SECRET } from '../api/harness.js';
import { actors, commandData, conditionalApplicationSentOn } from '../machines/examples.js';

const cd = commandData.conditionalApplication;
const DAY_MS = 86_400_000;

/** A date (YYYY-MM-DD) in Beijing. */
export const beijingDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/** `count` active applications whose use ended days ago (by the system clock npm start runs on), stored through the engine. */
export async function usesEndedDaysAgo(dataDir: string, count: number): Promise<void> {
  const day = beijingDay(Date.now() - 20 * DAY_MS);
  // 09:30 that day, Beijing: after the application's credit check (09:00, conditionalApplicationSentOn).
  const signed = Date.parse(`${day}T09:30:00+08:00`);
  const clock = new ManualClock(new Date(signed));
  const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: SECRET, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { clock, logger: createLogger({ level: 'silent' }) });
  const input = { ...conditionalApplicationSentOn(day), usePeriod: { from: day, to: beijingDay(signed + 60 * DAY_MS) } };
  try {
    for (let i = 0; i < count; i++) {
      const { caseId } = await app.engine.start({ process: 'conditionalApplication', input, actor: actors.company });
      for (const [type, data, actor] of [
        ['PASS_NORMATIVE_REVIEW', cd.PASS_NORMATIVE_REVIEW, actors.cityAuthority],
        ['APPROVE', cd.APPROVE, actors.provider],
        ['SIGN_AGREEMENT', { ...cd.SIGN_AGREEMENT, useFrom: day, useTo: beijingDay(signed + 3 * DAY_MS) }, actors.provider],
        ['GRANT_ACCESS', cd.GRANT_ACCESS, actors.provider],
      ] as const) {
        await app.engine.execute({ caseId, type, data, actor });
      }
    }
  } finally {
    await app.close();
  }
}
