/**
 * Optimistic concurrency and idempotency (ARCHITECTURE.md; API.md "Idempotency-Key"): a lost race
 * is REVISION_CONFLICT, never a second event; the same key from the same sender returns the first
 * answer and stores nothing new.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../engine/engine.js';
import { EngineError, ServerStoppingError } from '../../engine/errors.js';
import { deterministicId } from '../../engine/ids.js';
import type { Actor } from '../../machines/types.js';
import { ManualClock } from '../../infra/clock.js';
import { actors, commandData, startedAt, startInputs } from '../machines/examples.js';
import { defaultCalendar } from '../../calendars/index.js';
import { Directory } from '../../directory/index.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { StreamNotFoundError } from '../../eventstore/types.js';
import { systemClock } from '../../infra/clock.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { coldEngine, createWorld, given, historyOf, meta, rehashed, when, type World } from './world.js';

/** 20 reviewers of 济南市大数据局, each with their own account. */
const reviewers: Actor[] = Array.from({ length: 20 }, (_, i) => ({ ...actors.cityAuthority, sub: `u-jndsj-reviewer-${i + 1}`, name: `审核员${i + 1}` }));

/** Settles every promise: the answers, and the errors by code. */
async function settle(attempts: Promise<CommandResult>[]) {
  const outcomes = await Promise.allSettled(attempts);
  const answers = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  for (const error of errors) expect(error).toBeInstanceOf(EngineError);
  return { answers, errors: errors as EngineError[] };
}

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(() => w.close());

describe('20 reviewers pass the same application at once', () => {
  it('given an application at revision 0, when 20 reviewers send PASS_NORMATIVE_REVIEW with expectedRevision 0 at once, then one event is stored and 19 get REVISION_CONFLICT', async () => {
    const c = await given(w, 'conditionalApplication');
    const { answers, errors } = await settle(
      reviewers.map((actor) => w.engine.execute({ caseId: c.caseId, type: 'PASS_NORMATIVE_REVIEW', data: {}, actor, expectedRevision: 0 })),
    );
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ state: 'providerReview', revision: 1, replayed: false });
    expect(errors).toHaveLength(19);
    for (const error of errors) expect(error).toMatchObject({ code: 'REVISION_CONFLICT', details: { currentRevision: 1 } });
    const history = await historyOf(w, c);
    expect(history.map((e) => e.type)).toEqual(['ApplicationSubmitted', 'NormativeReviewPassed']);
    expect(meta(history[1]!).actor).toEqual(answers[0]!.event.metadata.actor);
    expect((await w.engine.verify(c.caseId)).ok).toBe(true);
  });

  it('given four API nodes (engines) on one SQLite file, when 20 reviewers spread over them approve at once, then one event is stored and 19 get REVISION_CONFLICT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-race-'));
    const clock = new ManualClock(startedAt);
    const nodes = await Promise.all(Array.from({ length: 4 }, () => createWorld({ path: join(dir, 'events.db'), clock })));
    try {
      const c = await given(nodes[0]!, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW']);
      // Every node has read the case before the race.
      for (const node of nodes) expect((await node.engine.getCase(c.caseId)).revision).toBe(1);
      const providers = reviewers.map((r, i) => ({ ...actors.provider, sub: `u-gaj-reviewer-${i + 1}`, name: r.name }));
      const { answers, errors } = await settle(
        providers.map((actor, i) => nodes[i % 4]!.engine.execute({ caseId: c.caseId, type: 'APPROVE', data: {}, actor, expectedRevision: 1 })),
      );
      expect(answers).toHaveLength(1);
      expect(errors.map((e) => e.code)).toEqual(Array.from({ length: 19 }, () => 'REVISION_CONFLICT'));
      expect((await historyOf(nodes[3]!, c)).map((e) => e.type)).toEqual(['ApplicationSubmitted', 'NormativeReviewPassed', 'Approved']);
    } finally {
      for (const node of nodes) await node.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given an application, when 20 reviewers pass it at once without an expectedRevision, then one event is stored and the others are told the state moved on', async () => {
    const c = await given(w, 'conditionalApplication');
    const { answers, errors } = await settle(reviewers.map((actor) => w.engine.execute({ caseId: c.caseId, type: 'PASS_NORMATIVE_REVIEW', data: {}, actor })));
    expect(answers).toHaveLength(1);
    for (const error of errors) expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { state: 'providerReview', allowed: [] } });
    expect(await historyOf(w, c)).toHaveLength(2);
  });
});

describe('the same Idempotency-Key from the same sender', () => {
  it('given an application in providerReview, when the provider sends APPROVE 20 times at once with one key, then one event is stored and every answer is the first, the repeats replayed', async () => {
    const c = await given(w, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW']);
    const { answers, errors } = await settle(
      Array.from({ length: 20 }, () =>
        w.engine.execute({ caseId: c.caseId, type: 'APPROVE', data: commandData.conditionalApplication.APPROVE, actor: actors.provider, idempotencyKey: 'approve-7f1c', expectedRevision: 1 }),
      ),
    );
    expect(errors).toEqual([]);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect(answers.filter((a) => a.replayed)).toHaveLength(19);
    const first = answers.find((a) => !a.replayed)!;
    for (const answer of answers) expect({ ...answer, replayed: false }).toEqual(first);
    expect(first).toMatchObject({ state: 'agreementPending', revision: 2 });
    expect((await historyOf(w, c)).map((e) => e.type)).toEqual(['ApplicationSubmitted', 'NormativeReviewPassed', 'Approved']);
  });

  it('given an approval sent with a key and the case moved on since, when the same key is sent again, then the first answer comes back and nothing is stored', async () => {
    const c = await given(w, 'conditionalApplication', ['PASS_NORMATIVE_REVIEW']);
    const first = await when(w, c.caseId, 'APPROVE', { idempotencyKey: 'approve-2b9d' });
    await when(w, c.caseId, 'SIGN_AGREEMENT');
    const again = await when(w, c.caseId, 'APPROVE', { idempotencyKey: 'approve-2b9d', expectedRevision: 1 });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await historyOf(w, c)).toHaveLength(4);
  });

  it('given a key used by the authority, when the applicant uses the same key, then it is a different command and is stored', async () => {
    const c = await given(w, 'conditionalApplication');
    await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'k-1' });
    const withdrawn = await when(w, c.caseId, 'WITHDRAW', { idempotencyKey: 'k-1', actor: actors.company });
    expect(withdrawn).toMatchObject({ state: 'withdrawn', revision: 2, replayed: false });
  });

  it('given nothing, when an applicant starts twice with one key, then the same case is answered and one event stored', async () => {
    const start = () => w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.person, idempotencyKey: 'objection-5e2a' });
    const first = await start();
    const again = await start();
    expect(again).toMatchObject({ caseId: first.caseId, replayed: true, revision: 0 });
    expect(again.event).toEqual(first.event);
    expect(await historyOf(w, first)).toHaveLength(1);
  });

  it('given nothing, when an applicant starts 20 times at once with one key, then one case with one event, every answer naming it, the repeats replayed', async () => {
    const headBefore = await w.store.headPosition();
    const { answers, errors } = await settle(
      Array.from({ length: 20 }, () =>
        w.engine.start({ process: 'conditionalApplication', input: startInputs.conditionalApplication, actor: actors.company, idempotencyKey: 'apply-c41e' }),
      ),
    );
    expect(errors).toEqual([]);
    expect(new Set(answers.map((a) => a.caseId)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    const first = answers.find((a) => !a.replayed)!;
    for (const answer of answers) expect({ ...answer, replayed: false }).toEqual(first);
    expect(await w.store.headPosition()).toBe(headBefore + 1);
  });

  it('given a case started with a key, when the same applicant starts another process, or the same process with other input, with that key, then RULE_VIOLATED idempotencyKeyReused and nothing stored, on a cold engine too', async () => {
    const objection = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'reused-key' });
    const headBefore = await w.store.headPosition();
    for (const engine of [w.engine, coldEngine(w)]) {
      for (const [process, input] of [
        ['conditionalApplication', startInputs.conditionalApplication],
        ['objection', { ...startInputs.objection, description: '另一份异议。' }],
      ] as const) {
        const refused = await engine.start({ process, input, actor: actors.company, idempotencyKey: 'reused-key' }).catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
        expect((refused as Error).message).toContain(objection.caseId);
        // The first request is named as other messages name a process: its title, then its id.
        expect((refused as EngineError).text.zh).toContain(`（发起“开放数据异议与建议”（objection）案件 ${objection.caseId}）`);
        expect((refused as EngineError).text.en).toContain(`(starting case ${objection.caseId} of objection)`);
      }
    }
    expect(await w.store.headPosition()).toBe(headBefore);
  });

  it('given a command sent with a key, when the same sender sends another command or other data with that key, then RULE_VIOLATED idempotencyKeyReused and nothing stored; the same data again is the first answer', async () => {
    const c = await given(w, 'conditionalApplication');
    const first = await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'review-1' });
    const headBefore = await w.store.headPosition();
    for (const [type, data] of [
      ['PASS_NORMATIVE_REVIEW', { opinion: '另一意见。' }],
      ['FAIL_NORMATIVE_REVIEW', { reason: '材料不全。' }],
    ] as const) {
      const refused = await when(w, c.caseId, type, { data, idempotencyKey: 'review-1' }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
      // The first command is named as other messages name a command: its label, then its id.
      expect((refused as EngineError).text.zh).toContain('（“通过材料规范性审查”（PASS_NORMATIVE_REVIEW）指令，版本 1）');
      expect((refused as EngineError).text.en).toContain('(command PASS_NORMATIVE_REVIEW at revision 1)');
      // On its own case, what differs is the content.
      expect((refused as EngineError).text.zh).toContain('内容不同');
    }
    expect(await w.store.headPosition()).toBe(headBefore);
    const again = await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'review-1' });
    expect(again).toEqual({ ...first, replayed: true });
  });

  it('given nothing, when an applicant sends two different starts with one key at once (other input, on two nodes; or another process), then one case is stored and the other request is RULE_VIOLATED idempotencyKeyReused, never answered with a case it did not ask for', async () => {
    // Other input names the same stream, which tells the two apart on any node; another process names
    // another stream, and this engine decides requests with one key one after the other.
    for (const [process, other, node] of [
      ['objection', { ...startInputs.objection, description: '同时发出的另一份异议。' }, coldEngine(w)],
      ['unopenedDataRequest', startInputs.unopenedDataRequest, w.engine],
    ] as const) {
      const key = `race-start-${process}`;
      const headBefore = await w.store.headPosition();
      const { answers, errors } = await settle([
        w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: key }),
        node.start({ process, input: other, actor: actors.company, idempotencyKey: key }),
      ]);
      expect(answers).toHaveLength(1);
      expect(answers[0]!.replayed).toBe(false);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
      expect(await w.store.headPosition()).toBe(headBefore + 1);
    }
  });

  it('given an application, when the same sender sends two different commands with one key at once, then one is stored and the other is RULE_VIOLATED idempotencyKeyReused, never told it was stored', async () => {
    for (const [type, data] of [
      ['PASS_NORMATIVE_REVIEW', { opinion: '同时发出的另一意见。' }],
      ['FAIL_NORMATIVE_REVIEW', { reason: '材料不全。' }],
    ] as const) {
      const c = await given(w, 'conditionalApplication');
      // A key of its own for each case: one key on two cases is refused on the second (below).
      const key = `race-review-${type}`;
      const { answers, errors } = await settle([
        when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: key, expectedRevision: 0 }),
        when(w, c.caseId, type, { data, idempotencyKey: key, expectedRevision: 0 }),
      ]);
      expect(answers).toHaveLength(1);
      expect(answers[0]!.replayed).toBe(false);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
      const history = await historyOf(w, c);
      expect(history).toHaveLength(2);
      expect(meta(history[1]!).command).toBe(answers[0]!.event.metadata.command);
    }
  });

  it('given a case started with a key, when the same user starts with that key for another organisation, or in another role, then it is another request: a case of its own, or refused as that role may not start it', async () => {
    const forCompany = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'one-person-two-firms' });
    const otherFirm = { ...actors.company, org: '91370200MA3D0X1Y2Z' };
    const forOther = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: otherFirm, idempotencyKey: 'one-person-two-firms' });
    expect(forOther).toMatchObject({ replayed: false });
    expect(forOther.caseId).not.toBe(forCompany.caseId);
    expect((await historyOf(w, forOther))[0]!.metadata).toMatchObject({ actor: { org: otherFirm.org } });
    const asProvider: Actor = { ...actors.company, role: 'provider', org: '370100-gaj' };
    const refused = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: asProvider, idempotencyKey: 'one-person-two-firms' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'FORBIDDEN' });
  });

  // Mutation QA (E02): one person of one bureau holds an authority's and a supervisor's token; a key is the caller's,
  // and the caller is its role too (API.md: "the same key from the same caller").
  it('given a review passed with a key, when the same person of the same bureau sends it with that key as supervisor, then it is another request, refused, not answered with the review', async () => {
    const c = await given(w, 'conditionalApplication');
    await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'review-k-1' });
    const asSupervisor: Actor = { ...actors.cityAuthority, role: 'supervisor' };
    const error = await when(w, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'review-k-1', actor: asSupervisor }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION' });
    expect(await historyOf(w, c)).toHaveLength(2);
  });

  it('given a case started before keys were scoped by role and organisation (its id derived from the user alone), when its sender starts again with the key, then it is answered; the same user for another organisation gets a case of its own', async () => {
    const model = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company });
    const [first] = await historyOf(w, model);
    const legacyId = deterministicId(`case:objection:${actors.company.sub}:old-key`);
    // As such a release stored it: its own stream, id and hash.
    const legacy = rehashed({ streamId: `objection-${legacyId}`, revision: 0, id: randomUUID(), type: first!.type, data: first!.data, metadata: { ...first!.metadata, caseId: legacyId } });
    await w.store.appendToStream(legacy.streamId, [{ id: legacy.id, type: legacy.type, data: legacy.data, metadata: legacy.metadata }]);
    const again = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'old-key' });
    expect(again).toMatchObject({ caseId: legacyId, replayed: true });
    const otherFirm = { ...actors.company, org: '91370200MA3D0X1Y2Z' };
    const theirs = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: otherFirm, idempotencyKey: 'old-key' });
    expect(theirs).toMatchObject({ replayed: false });
    expect(theirs.caseId).not.toBe(legacyId);
  });

  it('given a command sent with a key on one case, when the same sender sends that key to another case, even with the same command and data, then RULE_VIOLATED idempotencyKeyReused naming the first case, and nothing stored; the first case still answers its retry', async () => {
    const [a, b] = [await given(w, 'conditionalApplication'), await given(w, 'conditionalApplication')];
    const first = await when(w, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'review-per-form' });
    const headBefore = await w.store.headPosition();
    const refused = (await when(w, b.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'review-per-form' }).catch((e: unknown) => e)) as EngineError;
    expect(refused).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
    expect(refused.text.zh).toContain(`（案件 ${a.caseId} 的“通过材料规范性审查”（PASS_NORMATIVE_REVIEW）指令）`);
    expect(refused.text.en).toContain(`(command PASS_NORMATIVE_REVIEW on case ${a.caseId})`);
    // The same body: what differs is the case, and the answer says so, not that the content differs.
    expect(refused.text.zh).toMatch(/^该 Idempotency-Key 已用于其他案件的请求（/);
    expect(refused.text.zh).not.toContain('内容不同');
    expect(refused.text.en).toMatch(/^this Idempotency-Key was already used for a request on another case \(/);
    expect(await w.store.headPosition()).toBe(headBefore);
    expect((await w.engine.getCase(b.caseId)).state).toBe('normativeReview');
    expect(await when(w, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'review-per-form' })).toEqual({ ...first, replayed: true });
    // Another sender's key is its own.
    const other = { ...actors.cityAuthority, sub: 'u-jndsj-other' };
    await expect(when(w, b.caseId, 'PASS_NORMATIVE_REVIEW', { actor: other, idempotencyKey: 'review-per-form' })).resolves.toMatchObject({ replayed: false });
  });

  it('given a case started with a key, when its sender sends that key as a command on another case, then idempotencyKeyReused naming the start; and a key used for a command starts no case', async () => {
    const started = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'start-then-command' });
    const other = await given(w, 'conditionalApplication');
    const withdraw = (await when(w, other.caseId, 'WITHDRAW', { idempotencyKey: 'start-then-command' }).catch((e: unknown) => e)) as EngineError;
    expect(withdraw).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
    expect(withdraw.text.zh).toContain(`（发起“开放数据异议与建议”（objection）案件 ${started.caseId}）`);
    expect((await w.engine.getCase(other.caseId)).state).toBe('normativeReview');

    await when(w, other.caseId, 'WITHDRAW', { idempotencyKey: 'command-then-start' });
    const headBefore = await w.store.headPosition();
    const start = (await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'command-then-start' }).catch((e: unknown) => e)) as EngineError;
    expect(start).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
    expect(start.text.zh).toContain(`（案件 ${other.caseId} 的“撤回申请”（WITHDRAW）指令）`);
    expect(await w.store.headPosition()).toBe(headBefore);
  });

  it('given two cases, when the same sender sends one key to both at once, then one command is stored and the other is idempotencyKeyReused', async () => {
    const [a, b] = [await given(w, 'conditionalApplication'), await given(w, 'conditionalApplication')];
    const headBefore = await w.store.headPosition();
    const { answers, errors } = await settle([
      when(w, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'race-two-cases' }),
      when(w, b.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'race-two-cases' }),
    ]);
    expect([answers.length, errors.length]).toEqual([1, 1]);
    expect(errors[0]).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'idempotencyKeyReused' } });
    expect(await w.store.headPosition()).toBe(headBefore + 1);
  });

  it('given a key used on a case more than a day ago, when its sender sends it to another case, then it is a new request there (the log’s keys are remembered across cases for a day); its own case answers the retry for good', async () => {
    const t = await createWorld();
    try {
      const [a, b] = [await given(t, 'conditionalApplication'), await given(t, 'conditionalApplication')];
      const first = await when(t, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'daily-key' });
      t.clock.advance(23 * 3600_000);
      await expect(when(t, b.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'daily-key' })).rejects.toMatchObject({ details: { rule: 'idempotencyKeyReused' } });
      t.clock.advance(2 * 3600_000);
      await expect(when(t, b.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'daily-key' })).resolves.toMatchObject({ replayed: false });
      expect(await when(t, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'daily-key' })).toEqual({ ...first, replayed: true });
    } finally {
      await t.close();
    }
  });

  /**
   * Two applications on a store file; `before` uses keys on the first, then the world is closed and a
   * new one (engine, scheduler) opened on the file at the same instant: `after` runs there, its index
   * not read yet, with both cases and what `before` answered. `olderEvents`: that many events of
   * other cases (scripts/bench's synthesised log, stamped months before) come first in the file.
   */
  async function acrossRestart<T>(before: (w: World, a: string) => Promise<T>, after: (w: World, b: string, used: T) => Promise<void>, olderEvents = 0): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'wf-keys-'));
    try {
      const path = join(dir, 'events.db');
      if (olderEvents > 0) {
        const older = new SqliteEventStore({ path, now: systemClock.now });
        synthesise(older, Directory.load(), defaultCalendar(), { events: olderEvents, startMs: Date.parse(startedAt) - 180 * 24 * 3600_000 });
        await older.close();
      }
      const first = await createWorld({ path });
      const [a, b] = [await given(first, 'conditionalApplication'), await given(first, 'conditionalApplication')];
      const used = await before(first, a.caseId);
      const at = first.clock.now().toISOString();
      await first.close();
      const again = await createWorld({ path, at });
      try {
        await after(again, b.caseId, used);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('given a key used on one case, when the server restarts (a new engine and scheduler reading the log), then the key is still refused on another case', async () => {
    await acrossRestart(
      (before, a) => when(before, a, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'before-restart' }),
      async (after, b) => {
        await after.scheduler.index.catchUp();
        await expect(when(after, b, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'before-restart' })).rejects.toMatchObject({ details: { rule: 'idempotencyKeyReused' } });
      },
    );
  });

  it('given keys used on one case, when the restarted server is sent them at once, before its index has read the log, then each is still refused elsewhere (a keyed request waits until the index has read the log’s keys), and nothing is stored', async () => {
    await acrossRestart(
      async (before, a) => {
        await when(before, a, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'just-before-restart' });
        return before.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'start-before-restart' });
      },
      async (after, b, started) => {
        // Sent in the first instant after the restart: the index holds none of the log yet.
        expect(after.scheduler.index.loaded).toBe(false);
        const headBefore = await after.store.headPosition();
        const [command, withdraw] = await Promise.all([
          when(after, b, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'just-before-restart' }).catch((e: unknown) => e),
          when(after, b, 'WITHDRAW', { actor: actors.company, idempotencyKey: 'start-before-restart' }).catch((e: unknown) => e),
        ]);
        expect(command).toMatchObject({ details: { rule: 'idempotencyKeyReused' } });
        expect((withdraw as EngineError).text.zh).toContain(`案件 ${started.caseId}`);
        expect(await after.store.headPosition()).toBe(headBefore);
      },
    );
  });

  it('given a long log and a key used within the day, when the restarted server is sent the key on another case while it still reads the log, then it is refused at once: the keys are read from the log’s end, not after the whole log', async () => {
    await acrossRestart(
      (before, a) => when(before, a, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'recent-key' }),
      async (after, b) => {
        // The server's start-up catch-up, under way (3,000 events: fifteen turns of the event loop).
        const catchUp = after.scheduler.index.catchUp();
        const headBefore = await after.store.headPosition();
        await expect(when(after, b, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'recent-key' })).rejects.toMatchObject({ details: { rule: 'idempotencyKeyReused' } });
        expect(after.scheduler.index.loaded).toBe(false);
        await catchUp;
        expect(after.scheduler.index.loaded).toBe(true);
        await expect(when(after, b, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'recent-key' })).rejects.toMatchObject({ details: { rule: 'idempotencyKeyReused' } });
        expect(await after.store.headPosition()).toBe(headBefore);
      },
      3000,
    );
  });

  it('given a restarted server still reading the keys of a recent log, when it begins to stop, then a keyed request waiting for them is refused as the server stopping, and one sent after too; nothing is stored, and a request without a key is still decided', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-keys-stop-'));
    const path = join(dir, 'events.db');
    try {
      const older = new SqliteEventStore({ path, now: systemClock.now });
      // 2,000 events of the day before: all within the keys' two days, read backwards in ten turns.
      synthesise(older, Directory.load(), defaultCalendar(), { events: 2000, startMs: Date.parse(startedAt) - 20 * 3600_000 });
      await older.close();
      const w = await createWorld({ path });
      try {
        const c = await given(w, 'conditionalApplication');
        const again = await createWorld({ path, at: w.clock.now().toISOString() });
        try {
          const headBefore = await again.store.headPosition();
          const waiting = when(again, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'sent-as-it-stops' }).catch((e: unknown) => e);
          await new Promise((resolve) => setImmediate(resolve));
          again.scheduler.index.stopKeyReads();
          expect(await waiting).toBeInstanceOf(ServerStoppingError);
          await expect(when(again, c.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'sent-after-it-stops' })).rejects.toBeInstanceOf(ServerStoppingError);
          expect(await again.store.headPosition()).toBe(headBefore);
          await expect(when(again, c.caseId, 'PASS_NORMATIVE_REVIEW')).resolves.toMatchObject({ state: 'providerReview' });
        } finally {
          await again.close();
        }
      } finally {
        await w.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given two servers on one store file, when a key used through one is sent to another case through the other (its index read to the end before), then it is refused there too, and a key a start used there as well', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-keys-two-'));
    const path = join(dir, 'events.db');
    const [one, two] = [await createWorld({ path }), await createWorld({ path })];
    try {
      const [a, b] = [await given(one, 'conditionalApplication'), await given(one, 'conditionalApplication')];
      await two.scheduler.index.catchUp();
      expect(two.scheduler.index.loaded).toBe(true);
      await when(one, a.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'used-on-one' });
      const headBefore = await two.store.headPosition();

      await expect(when(two, b.caseId, 'PASS_NORMATIVE_REVIEW', { idempotencyKey: 'used-on-one' })).rejects.toMatchObject({ details: { rule: 'idempotencyKeyReused' } });
      expect(await two.store.headPosition()).toBe(headBefore);

      const started = await one.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'start-on-one' });
      const withdraw = await when(two, b.caseId, 'WITHDRAW', { actor: actors.company, idempotencyKey: 'start-on-one' }).catch((e: unknown) => e);
      expect((withdraw as EngineError).text.zh).toContain(`案件 ${started.caseId}`);
      expect(await two.store.headPosition()).toBe(headBefore + 1);
    } finally {
      await one.close();
      await two.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given a case started with a key, when another applicant starts with the same key, then a different case', async () => {
    const mine = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'shared-key' });
    const theirs = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.person, idempotencyKey: 'shared-key' });
    expect(theirs.caseId).not.toBe(mine.caseId);
    expect(theirs.replayed).toBe(false);
  });
});

describe('a keyed start, given a store that reads the key’s streams as empty rather than not found', () => {
  // Another store's stream emptied, or another node's first append met between two reads (race QA: a
  // keyed start on two servers answered 500, reading `metadata` of the first event of an empty list).
  it('then the case is started, as for a stream not found', async () => {
    const w = await createWorld();
    try {
      const read = w.store.readStream.bind(w.store);
      w.store.readStream = (stream, options) => read(stream, options).catch((err: unknown) => (err instanceof StreamNotFoundError ? [] : Promise.reject(err)));
      const started = await w.engine.start({ process: 'objection', input: startInputs.objection, actor: actors.company, idempotencyKey: 'objection-empty-read' });
      expect(started).toMatchObject({ state: 'handling', revision: 0, replayed: false });
    } finally {
      await w.close();
    }
  });
});
