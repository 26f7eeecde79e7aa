/**
 * A case's verification as compliance reads it, in the API (`GET /v1/cases/:id/verify`) and in
 * `npm run replay` alike: the hash chain re-computed and the events replayed through the case's
 * machine version (engine.ts `verify`), and the events cut off the end of its stream, which no chain
 * can show — the case list recorded further than the stream now goes.
 */
import type { Verification } from '../engine/index.js';
import type { CaseReading } from './app.js';

/** What is missing from the end of a stream, and how to say it. */
export interface CutEnd {
  missing: { fromRevision: number; toRevision: number; lastPosition: number };
  text: { zh: string; en: string };
}

export type CaseVerification = Verification & { missing?: CutEnd['missing'] };

/** Events cut off the end of a stream whose last stored revision is `stored`, from the revision its case-list `row` recorded; undefined when none are. */
export function cutEnd(row: { revision: number; position: number } | undefined, stored: number): CutEnd | undefined {
  if (!row || row.revision <= stored) return undefined;
  return {
    missing: { fromRevision: stored + 1, toRevision: row.revision, lastPosition: row.position },
    text: {
      zh: `事件流止于版本 ${stored} 的事件，但已记录的案件进行到版本 ${row.revision}（位置 ${row.position}）：末尾的事件缺失`,
      en: `stream ends at revision ${stored}, but the case was recorded up to revision ${row.revision} (position ${row.position}): events are missing from its end`,
    },
  };
}

/** The case's verification, with what is missing from its end; `reason` Chinese, `reasonEn` English. */
export async function verifyCase(app: Pick<CaseReading, 'engine' | 'readModels'>, caseId: string): Promise<CaseVerification> {
  // The end the case list recorded, taken before the stream is read: the read models never run ahead of
  // the log (embedded: written in the append's transaction; EventStoreDB: following it), so the stream
  // read after holds at least as much. Taken after, a command stored meanwhile read as events cut off
  // the end of an intact case (race QA: 35 of 659 verifies of a case taking commands, every
  // \`npm run replay -- <case>\` beside them).
  const end = app.readModels.caseEnd(caseId);
  const verification = await app.engine.verify(caseId);
  // A chain checks each event against the one before: events cut off its end leave no trace in it.
  const cut = verification.ok ? cutEnd(end, verification.events - 1) : undefined;
  if (!cut) return verification;
  return { ok: false, events: verification.events, missing: cut.missing, reason: cut.text.zh, reasonEn: `the ${cut.text.en}` };
}
