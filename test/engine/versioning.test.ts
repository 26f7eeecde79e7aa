/**
 * Versioned machines (ARCHITECTURE.md "Versioned machines"): a case is folded with the machine
 * version it started on, for ever. A second version of `objection` — the applicant may withdraw,
 * and handling has its own configured deadline — is registered beside the first: new cases take
 * it, cases started on v1 keep folding with v1 to the same states and hashes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assign, setup } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeDeadlineRules } from '../../calendars/index.js';
import { foldAll, type CaseState } from '../../engine/fold.js';
import { verifyHistory } from '../../engine/verify.js';
import { guardOf } from '../../machines/kit.js';
import { objection, rules, type ObjectionContext, type ObjectionInput } from '../../machines/objection.js';
import { ProcessRegistry } from '../../machines/registry.js';
import { form, Text } from '../../machines/schemas.js';
import type { CommandEvent, MachineInput, ProcessDefinition, StateMeta } from '../../machines/types.js';
import { actors } from '../machines/examples.js';
import { createWorld, endOfDay, given, historyOf, meta, refused, when, type World } from './world.js';

type ObjectionV2Context = ObjectionContext & { withdrawal?: { reason: string; at: string } };

/** objection v2: v1's chart plus WITHDRAW (applicant) → withdrawn, and handling on a deadline key of its own. */
const objectionV2Machine = setup({
  types: {
    context: {} as ObjectionV2Context,
    events: {} as CommandEvent,
    input: {} as MachineInput<ObjectionInput>,
    meta: {} as StateMeta,
  },
  guards: { outcomeFitsKind: guardOf(rules.outcomeFitsKind) },
  actions: {
    recordResponse: assign({ response: ({ event }) => ({ ...(event.data as { outcome: 'corrected'; explanation: string }), at: event.at, by: event.actor.org }) }),
    recordWithdrawal: assign({ withdrawal: ({ event }) => ({ ...(event.data as { reason: string }), at: event.at }) }),
  },
}).createMachine({
  id: 'objection',
  initial: 'handling',
  context: ({ input }) => ({ caseId: input.caseId, input: input.input, startedBy: input.startedBy, startedAt: input.at }),
  states: {
    handling: {
      meta: {
        label: '处理中',
        task: { stage: 'handling', role: 'provider', scope: 'provider', deadline: { kind: 'rule', key: 'objection.handlingV2' }, label: '处理异议或建议并反馈' },
      },
      on: {
        RESPOND: { guard: 'outcomeFitsKind', target: 'responded', actions: 'recordResponse' },
        WITHDRAW: { target: 'withdrawn', actions: 'recordWithdrawal' },
      },
    },
    responded: { type: 'final', meta: { label: '已反馈' } },
    withdrawn: { type: 'final', meta: { label: '已撤回' } },
  },
});

const objectionV2: ProcessDefinition<ObjectionV2Context> = {
  ...objection,
  version: 2,
  machine: objectionV2Machine,
  commands: {
    ...objection.commands,
    WITHDRAW: { schema: form({ reason: Text }), event: 'Withdrawn', actors: [{ role: 'applicant', scope: 'applicant' }], label: '撤回异议' },
  },
};

/** v2's handling deadline: 5 working days (configuration, as every deadline is). */
const deadlines = mergeDeadlineRules({ 'objection.handlingV2': { n: 5, unit: 'workingDays', basis: 'statute', article: '第十六条' } });

/** What a fold must reproduce. */
const essence = (s: CaseState) => ({ version: s.version, state: s.state, revision: s.revision, lastHash: s.lastHash, tasks: s.tasks, context: s.snapshot.context });

let dir: string;
let path: string;
let onV1: { handling: CaseState; responded: CaseState; toRespond: CaseState };
let w: World;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-versions-'));
  path = join(dir, 'events.db');
  // Cases started while only v1 was registered.
  const v1 = await createWorld({ path, registry: new ProcessRegistry([objection]) });
  onV1 = { handling: await given(v1, 'objection'), responded: await given(v1, 'objection', ['RESPOND']), toRespond: await given(v1, 'objection') };
  await v1.close();
  // The same store after v2 is registered beside v1.
  w = await createWorld({ path, registry: new ProcessRegistry([objection, objectionV2]), deadlines, at: '2025-03-04T02:00:00.000Z' });
});
afterAll(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('objection v2 registered beside v1', () => {
  it('given both versions registered, then v2 is the latest and v1 is still there, unchanged', () => {
    expect(w.registry.latest('objection')?.version).toBe(2);
    expect(w.registry.get('objection', 1)).toBe(objection);
  });

  it('given v2 registered, when an objection is raised, then it starts on v2 with v2’s deadline: 5 wd from Tue 2025-03-04 → Tue 2025-03-11', async () => {
    // 03-05 (1), 03-06 (2), 03-07 (3), 03-10 (4), 03-11 (5).
    const c = await given(w, 'objection');
    expect(c.version).toBe(2);
    expect(meta((await historyOf(w, c))[0]!).machine).toEqual({ name: 'objection', version: 2 });
    expect(c.tasks[0]).toMatchObject({ stage: 'handling', dueDate: '2025-03-11', dueAt: endOfDay('2025-03-11') });
    expect(w.engine.allowedCommands(c, actors.company)).toEqual(['WITHDRAW']);
  });

  it('given a v2 objection, when the applicant withdraws it, then Withdrawn: withdrawn (a state v1 does not have)', async () => {
    const c = await given(w, 'objection');
    const result = await when(w, c.caseId, 'WITHDRAW', { data: { reason: '数据已由开放主体主动更正。' }, actor: actors.company });
    expect(result).toMatchObject({ state: 'withdrawn', final: true });
    expect(meta(result.event).machine.version).toBe(2);
  });
});

describe('cases started on v1 keep folding with v1', () => {
  it.each(['handling', 'responded'] as const)('given a v1 case in %s, when it is read with v2 registered, then the same state, hash, tasks and context', async (which) => {
    const now = await w.engine.getCase(onV1[which].caseId);
    expect(essence(now)).toEqual(essence(onV1[which]));
    expect(now.version).toBe(1);
  });

  it.each(['handling', 'responded'] as const)('given a v1 case in %s, then its history verifies with v1, and not with v2', async (which) => {
    const c = onV1[which];
    expect(await w.engine.verify(c.caseId)).toEqual({ ok: true, events: c.revision + 1 });
    const wrong = await verifyHistory(objectionV2, await historyOf(w, c));
    expect(wrong).toMatchObject({ ok: false, failedAt: { revision: 0 } });
  });

  it('given a v1 case in handling, when the applicant withdraws it, then INVALID_TRANSITION: v1 has no WITHDRAW, and nothing is stored', async () => {
    const c = onV1.handling;
    const error = await refused(w, c, () => when(w, c.caseId, 'WITHDRAW', { data: { reason: '不再需要。' }, actor: actors.company }));
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { state: 'handling', allowed: [] } });
  });

  it('given a v1 case in handling, when the provider responds, then the event is stamped v1 and the case stays on v1', async () => {
    const c = onV1.toRespond;
    const result = await when(w, c.caseId, 'RESPOND');
    expect(result).toMatchObject({ state: 'responded', final: true });
    expect(meta(result.event).machine).toEqual({ name: 'objection', version: 1 });
    const history = await historyOf(w, c);
    expect(foldAll(objection, history)).toMatchObject({ version: 1, state: 'responded', lastHash: meta(history.at(-1)!).hash });
    expect((await w.engine.verify(c.caseId)).ok).toBe(true);
  });
});
