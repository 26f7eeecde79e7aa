/**
 * An audit export checked without the server (`npm run verify-export`), given an insider who can
 * recompute a hash: an event rewritten in the file with its own hash made to match still breaks the
 * link to the event after it (that event's prevHash names the old hash), and a case's first event
 * must start the chain (prevHash of 64 zeros). Each is named at its line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExport as checkWith } from '../../engine/exportCheck.js';
import { eventHash } from '../../engine/hashChain.js';
import { auditLine } from '../../projections/audit.js';
import { actors, startInputs } from '../machines/examples.js';
import { world, type World } from '../projections/harness.js';

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
