/**
 * An audit export checked without the server (`npm run verify-export`), given an insider who can
 * recompute a hash: an event rewritten in the file with its own hash made to match still breaks the
 * link to the event after it (that event's prevHash names the old hash), and a case's first event
 * must start the chain (prevHash of 64 zeros). Each is named at its line. One who rewrites an event's
 * stateAfter and computes every later hash again keeps the hash chain, but not the states: the next
 * event still begins where the case truly was (its stateBefore).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExport as checkWith } from '../../engine/exportCheck.js';
import { eventHash } from '../../engine/hashChain.js';
import { auditLine } from '../../projections/audit.js';
import { actors, startInputs } from '../machines/examples.js';
import { world, type World } from '../projections/harness.js';
import { spawnText } from '../spawnText.js';
import { scriptCommand } from '../scripts/spawnScript.js';

let w: World;
let applicationId: string;
const whole = { from: '2025-11-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };

beforeAll(async () => {
  w = await world({ start: '2025-11-03T01:30:00.000Z' });
  applicationId = (await w.engine.start({ process: 'conditionalApplication', input: startInputs.conditionalApplication, actor: actors.company })).caseId;
  w.clock.set('2025-11-21T02:00:00.000Z');
  await w.engine.execute({ caseId: applicationId, type: 'PASS_NORMATIVE_REVIEW', data: {}, actor: actors.cityAuthority });
  await w.engine.execute({ caseId: applicationId, type: 'APPROVE', data: {}, actor: actors.provider });
});
afterAll(() => w.close());

/** The check as `npm run verify-export` makes it. */
const checkExport = (lines: string[]) => checkWith(lines, { expected: (stored) => auditLine({ ...stored, created: '' }) });

async function exported(): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of w.models.exportEvents(whole)) lines.push(line.trimEnd());
  return lines;
}

/** A line rewritten by someone who recomputes its hash: `change` alters its metadata; hash and the line's own fields follow. */
function forged(line: string, change: (metadata: Record<string, unknown>) => void): string {
  const l = JSON.parse(line) as { stream: string; revision: number; id: string; type: string; data: unknown; metadata: Record<string, unknown> };
  const metadata = structuredClone(l.metadata);
  change(metadata);
  const { hash: _old, ...unhashed } = metadata;
  const hash = eventHash({ streamId: l.stream, revision: l.revision, id: l.id, type: l.type, data: l.data, metadata: unhashed });
  const rewritten = { ...metadata, hash };
  const shown = auditLine({ streamId: l.stream, revision: l.revision, position: (JSON.parse(line) as { position: number }).position, id: l.id, type: l.type, data: l.data, metadata: rewritten, created: '' })!;
  return JSON.stringify({ ...(JSON.parse(line) as object), ...shown, metadata: rewritten });
}

describe('an export whose events were rewritten with their hashes recomputed', () => {
  it('given the file as exported, then it checks: three events of one case, chained', async () => {
    const lines = await exported();
    expect(lines.map((l) => (JSON.parse(l) as { revision: number }).revision)).toEqual([0, 1, 2]);
    expect(await checkExport(lines)).toMatchObject({ ok: true, caseEvents: 3, cases: 1, failures: [] });
  });

  it('given the middle event rewritten and its own hash recomputed, then the line after it is named: its prevHash no longer chains to it', async () => {
    const lines = await exported();
    const tampered = [lines[0]!, forged(lines[1]!, (m) => (m.correlationId = 'forged')), lines[2]!];
    const result = await checkExport(tampered);
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([{ line: 3, caseId: applicationId, revision: 2, reason: expect.objectContaining({ zh: '与前一个事件的哈希不衔接' }) }]);
  });

  it('given the first event of a case rewritten to name a previous hash (as if the case had begun earlier), its own hash recomputed, then that line is named as not starting the chain', async () => {
    const lines = await exported();
    const tampered = [forged(lines[0]!, (m) => (m.prevHash = 'f'.repeat(64))), ...lines.slice(1)];
    const result = await checkExport(tampered);
    expect(result.ok).toBe(false);
    expect(result.failures[0]).toEqual({ line: 1, caseId: applicationId, revision: 0, reason: expect.objectContaining({ zh: '案件的第一个事件不是哈希链的起点' }) });
  });
});

/** The case's lines with `stateAfter` of revision `at` rewritten to `state`, and every later hash of the case computed again (each prevHash following it). */
function statesRewritten(lines: string[], at: number, state: string): string[] {
  const out = [...lines];
  let hash: string | undefined;
  for (let i = at; i < out.length; i++) {
    out[i] = forged(out[i]!, (m) => {
      if (i === at) m.stateAfter = state;
      if (hash !== undefined) m.prevHash = hash;
    });
    hash = (JSON.parse(out[i]!) as { hash: string }).hash;
  }
  return out;
}

describe('an export whose case states were rewritten with every later hash recomputed', () => {
  it('given the file as exported, then each event begins in the state the one before left the case in', async () => {
    const states = (await exported()).map((l) => JSON.parse(l) as { stateBefore: string | null; stateAfter: string });
    expect(states.map((e) => [e.stateBefore, e.stateAfter])).toEqual([
      [null, 'normativeReview'],
      ['normativeReview', 'providerReview'],
      ['providerReview', 'agreementPending'],
    ]);
  });

  it('given revision 1 rewritten to leave the case in normativeReview (the hash chain computed again after it), when checked, then line 3 is named: its stateBefore providerReview is not revision 1’s stateAfter', async () => {
    const tampered = statesRewritten(await exported(), 1, 'normativeReview');
    const result = await checkExport(tampered);
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([
      {
        line: 3,
        caseId: applicationId,
        revision: 2,
        reason: {
          zh: '起始状态（stateBefore）providerReview 与版本 1 的事件（第 2 行）的结束状态（stateAfter）normativeReview 不衔接',
          en: "its state before (stateBefore), providerReview, is not the state after (stateAfter) of revision 1 (line 2), normativeReview: the case's states do not chain",
        },
      },
    ]);
  });

  it('given the same rewrite but the case’s next revision not in the file (a period ending there, or a gap), then the states are not compared: only the gap, if any, is named', async () => {
    const tampered = statesRewritten(await exported(), 1, 'normativeReview');
    expect(await checkExport(tampered.slice(0, 2))).toMatchObject({ ok: true, failures: [] });
    // Revision 0 leaves the case in normativeReview and revision 2 begins in providerReview: with revision 1 left out, that is no fault of the states.
    const gap = await checkExport([tampered[0]!, tampered[2]!]);
    expect(gap.failures.map((f) => f.reason.zh)).toEqual(['缺少版本 1 的事件（前一个为版本 0）']);
  });

  it('given the file so rewritten, when npm run verify-export checks it, then it names the case, both revisions and both states, in Chinese or with --lang en in English, never "全部哈希重算一致", and exits 1', async () => {
    const file = join(w.dir, 'states-rewritten.ndjson');
    writeFileSync(file, `${statesRewritten(await exported(), 1, 'normativeReview').join('\n')}\n`);
    const zh = await spawnText(...scriptCommand('verifyExport.ts', [file, '--quiet']));
    expect([zh.status, zh.stderr]).toEqual([1, '']);
    expect(zh.stdout).toContain(`发现 1 处问题：\n  第 3 行 案件 ${applicationId} 版本 2 的事件（第 3 个）：起始状态（stateBefore）providerReview 与版本 1 的事件（第 2 行）的结束状态（stateAfter）normativeReview 不衔接\n`);
    expect(zh.stdout).not.toContain('全部哈希重算一致');
    const en = await spawnText(...scriptCommand('verifyExport.ts', [file, '--quiet', '--lang', 'en']));
    expect(en.status).toBe(1);
    expect(en.stdout).toContain(
      `  line 3, case ${applicationId}, the event of revision 2 (the 3rd): its state before (stateBefore), providerReview, is not the state after (stateAfter) of revision 1 (line 2), normativeReview: the case's states do not chain\n`,
    );
  });
});
