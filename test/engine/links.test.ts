/**
 * Linked cases (第十五条: 经论证可以开放的…通过开放平台进行开放): MARK_OPENED may name the
 * datasetRelease case that opens the data. Until that release is published the request waits in
 * openingPending; when it is published, the scheduler (followLinks) sends MARK_OPENED again as the
 * system, caused by the release's event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnopenedDataRequestContext } from '../../machines/unopenedDataRequest.js';
import { pathTo } from '../machines/harness.js';
import { Engine } from '../../engine/engine.js';
import { Scheduler } from '../../engine/scheduler.js';
import { Directory } from '../../directory/directory.js';
import { ManualClock } from '../../infra/clock.js';
import type { Logger } from '../../infra/logger.js';
import { coldEngine, createWorld, given, historyOf, meta, refused, senderOf, when, type World } from './world.js';

const openingPending = pathTo.unopenedDataRequest.openingPending!;
const release = pathTo.datasetRelease;

let dir: string;
let w: World;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-links-'));
  w = await createWorld({ path: join(dir, 'events.db') });
});
afterAll(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

const context = (c: { snapshot: { context: unknown } }) => c.snapshot.context as UnopenedDataRequestContext;


/** Given a request waiting (MARK_OPENED) for a release under review whose stored metadata is then cut short: the release cannot be read. */
async function waitingOnDamagedRelease(t: World) {
  const request = await given(t, 'unopenedDataRequest', openingPending);
  const pending = await given(t, 'datasetRelease', release.underReview!);
  await when(t, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });
  t.store.database.prepare('UPDATE events SET metadata = substr(metadata, 1, 5) WHERE stream_id = ?').run(pending.stream);
  return { request, pending };
}
describe('a request waiting for a dataset release', () => {
  it('given a request waiting for a release, when the release is published on another node (no link follower saw it), then the next timer pass opens the request, once', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });

    const otherNode = coldEngine(w);
    const starter = (await otherNode.getCase(pending.caseId)).snapshot.context as { startedBy: Parameters<typeof senderOf>[3] };
    await otherNode.execute({ caseId: pending.caseId, type: 'APPROVE', data: {}, actor: senderOf(w, 'datasetRelease', 'APPROVE', starter.startedBy) });
    expect((await w.engine.getCase(request.caseId)).state).toBe('openingPending');

    const restarted = new Scheduler({ engine: coldEngine(w), store: w.store, clock: w.clock });
    expect(await restarted.fireDueTimers()).toBeGreaterThanOrEqual(1);
    expect((await w.engine.getCase(request.caseId)).state).toBe('opened');
    expect(await w.scheduler.fireDueTimers()).toBe(0);
    expect(await historyOf(w, request)).toHaveLength(5);
  });

  it('given a request marked opened naming a release under review, when the release is published on another node before the request\'s event is stored (its wait recorded after the publication), then the next timer pass opens the request', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    // The request's append held until the release is published: decided on the release under review, stored after its publication.
    let reached!: () => void;
    const atAppend = new Promise<void>((resolve) => (reached = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const held = new Proxy(w.store, {
      get(store, key) {
        const value = Reflect.get(store, key, store) as unknown;
        if (key !== 'appendToStream') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(store) : value;
        return async (...args: Parameters<typeof store.appendToStream>) => {
          reached();
          await gate;
          return store.appendToStream(...args);
        };
      },
    });
    const slowNode = new Engine({ store: held, registry: w.registry, directory: Directory.load(), clock: w.clock, calendar: () => w.calendar.current(), deadlines: w.deadlines });
    const requestStarter = (await slowNode.getCase(request.caseId)).snapshot.context as { startedBy: Parameters<typeof senderOf>[3] };
    const marking = slowNode.execute({ caseId: request.caseId, type: 'MARK_OPENED', data: { datasetReleaseCaseId: pending.caseId }, actor: senderOf(w, 'unopenedDataRequest', 'MARK_OPENED', requestStarter.startedBy) });
    await atAppend;
    const otherNode = coldEngine(w);
    const starter = (await otherNode.getCase(pending.caseId)).snapshot.context as { startedBy: Parameters<typeof senderOf>[3] };
    await otherNode.execute({ caseId: pending.caseId, type: 'APPROVE', data: {}, actor: senderOf(w, 'datasetRelease', 'APPROVE', starter.startedBy) });
    open();
    await marking;
    expect((await w.engine.getCase(request.caseId)).state).toBe('openingPending');

    const restarted = new Scheduler({ engine: coldEngine(w), store: w.store, clock: w.clock });
    expect(await restarted.fireDueTimers()).toBe(1);
    expect((await w.engine.getCase(request.caseId)).state).toBe('opened');
  });

  it('given a request in openingPending and a release under review, when the provider marks it opened naming that release, then OpeningReported and the request stays in openingPending', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    const result = await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });
    expect(result).toMatchObject({ state: 'openingPending', final: false });
    expect(result.event.type).toBe('OpeningReported');
    expect(meta(result.event)).toMatchObject({
      stateBefore: 'openingPending',
      stateAfter: 'openingPending',
      links: { [pending.caseId]: { process: 'datasetRelease', state: 'underReview' } },
      tasksOpened: [],
      tasksClosed: [],
    });
    expect(context(await w.engine.getCase(request.caseId)).awaitedRelease).toBe(pending.caseId);
  });

  it('given a request waiting for a release, when the authority approves the release (published), then the request is opened by the system, caused by the release’s event', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });

    const approved = await when(w, pending.caseId, 'APPROVE');
    expect(approved.state).toBe('published');

    const now = await w.engine.getCase(request.caseId);
    expect(now).toMatchObject({ state: 'opened', final: true, tasks: [] });
    expect(context(now).opened).toMatchObject({ datasetReleaseCaseId: pending.caseId });
    const history = await historyOf(w, request);
    expect(history).toHaveLength(5);
    const opened = history.at(-1)!;
    expect(opened.type).toBe('OpeningReported');
    expect(opened.data).toEqual({ datasetReleaseCaseId: pending.caseId });
    expect(meta(opened)).toMatchObject({
      command: 'MARK_OPENED',
      actor: { role: 'system' },
      causationId: approved.event.id,
      stateBefore: 'openingPending',
      stateAfter: 'opened',
      links: { [pending.caseId]: { process: 'datasetRelease', state: 'published' } },
      tasksClosed: [{ stage: 'openingPending' }],
    });
    expect((await w.engine.verify(request.caseId)).ok).toBe(true);
  });

  it('given a request waiting for a release, when the release is returned to drafting, then the request still waits; when it is resubmitted and approved, then it is opened', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });

    await when(w, pending.caseId, 'RETURN');
    expect((await w.engine.getCase(request.caseId)).state).toBe('openingPending');
    await when(w, pending.caseId, 'SUBMIT');
    expect((await w.engine.getCase(request.caseId)).state).toBe('openingPending');
    await when(w, pending.caseId, 'APPROVE');
    expect((await w.engine.getCase(request.caseId)).state).toBe('opened');
  });

  it('given two requests waiting for one release, when it is published, then both are opened, each once', async () => {
    const first = await given(w, 'unopenedDataRequest', openingPending);
    const second = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    for (const r of [first, second]) await when(w, r.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });
    await when(w, pending.caseId, 'APPROVE');
    for (const r of [first, second]) {
      const history = await historyOf(w, r);
      expect(history.filter((e) => meta(e).stateAfter === 'opened')).toHaveLength(1);
      expect((await w.engine.getCase(r.caseId)).state).toBe('opened');
    }
  });

  it('given a request waiting for a release, when the node restarts and the release is published on the new node, then the request is opened', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });
    await w.close();
    w = await createWorld({ path: join(dir, 'events.db') });

    await when(w, pending.caseId, 'APPROVE');
    expect((await w.engine.getCase(request.caseId)).state).toBe('opened');
  });
});

describe('MARK_OPENED naming a case that is not a release', () => {
  it.each([
    ['a case id no case has', '3f0b5f8e-2a47-4c1e-9d55-0c6a1f2b7e90'],
    ['something that is no case id', 'datasetRelease-7f3c2a'],
  ])('given a request in openingPending, when MARK_OPENED names %s, then RULE_VIOLATED linkedReleaseExists (第十五条) and nothing stored', async (_what, missing) => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const error = await refused(w, request, () => when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: missing } }));
    expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'linkedReleaseExists', article: '第十五条', fieldErrors: [{ path: 'datasetReleaseCaseId' }] } });
    expect((await w.engine.getCase(request.caseId)).state).toBe('openingPending');
  });

  it.each(['withdrawn', 'published'])(
    'given a %s release the sender may not see, when MARK_OPENED names it, then it is not found, as a case id no case has (nothing about it is told)',
    async (state) => {
      const request = await given(w, 'unopenedDataRequest', openingPending);
      const hidden = await given(w, 'datasetRelease', release[state]!);
      const current = await w.engine.getCase(request.caseId);
      const startedBy = (current.snapshot.context as { startedBy: Parameters<typeof senderOf>[3] }).startedBy;
      const error = await refused(w, request, () =>
        w.engine.execute({
          caseId: request.caseId,
          type: 'MARK_OPENED',
          data: { datasetReleaseCaseId: hidden.caseId },
          actor: senderOf(w, 'unopenedDataRequest', 'MARK_OPENED', startedBy),
          visibleTo: (c) => c.caseId !== hidden.caseId,
        }),
      );
      expect(error).toMatchObject({ code: 'RULE_VIOLATED', details: { rule: 'linkedReleaseExists', article: '第十五条' } });
      expect((await w.engine.getCase(request.caseId)).state).toBe('openingPending');
    },
  );
});

describe('a link completed while the server starts (944adfa: a command does not wait for the work index catching up)', () => {
  it('given a request waiting for a release and a server whose work index is still reading the log, when the release is published and then withdrawn meanwhile, then the request is opened all the same, as when the index had caught up', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });

    // A server starting on a long log: its own engine and scheduler, the index's read held up a while.
    let letRead!: () => void;
    const reading = new Promise<void>((resolve) => (letRead = resolve));
    const slowStore = new Proxy(w.store, {
      get(target, key) {
        if (key === 'readAll') {
          return async function* (options?: Parameters<typeof target.readAll>[0]) {
            await reading;
            yield* target.readAll(options);
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const engine = coldEngine(w);
    const scheduler = new Scheduler({ engine, store: slowStore, clock: w.clock });
    scheduler.followLinks();
    try {
      const starting = scheduler.fireDueTimers();
      // (Before 944adfa a command waited for the catch-up: let it read after a while.)
      const timer = setTimeout(letRead, 200);
      const starter = (await engine.getCase(pending.caseId)).snapshot.context as { startedBy: Parameters<typeof senderOf>[3] };
      await engine.execute({ caseId: pending.caseId, type: 'APPROVE', data: {}, actor: senderOf(w, 'datasetRelease', 'APPROVE', starter.startedBy) });
      await engine.execute({ caseId: pending.caseId, type: 'WITHDRAW', data: { reason: '数据源停止更新' }, actor: senderOf(w, 'datasetRelease', 'WITHDRAW', starter.startedBy) });
      letRead();
      clearTimeout(timer);
      await starting;
      await scheduler.fireDueTimers();
      expect((await engine.getCase(pending.caseId)).state).toBe('withdrawn');
      expect((await engine.getCase(request.caseId)).state).toBe('opened');
    } finally {
      scheduler.stop();
    }
  });
});

describe('a link that cannot be completed', () => {
  it('given a request waiting for a release, when the release is published and the system command that would open the request fails, then the failure is logged once with the request, the release and the correlation id of the command that published it', async () => {
    const request = await given(w, 'unopenedDataRequest', openingPending);
    const pending = await given(w, 'datasetRelease', release.underReview!);
    await when(w, request.caseId, 'MARK_OPENED', { data: { datasetReleaseCaseId: pending.caseId } });

    const engine = coldEngine(w);
    const execute = engine.execute.bind(engine);
    engine.execute = async (cmd) => {
      if (cmd.actor.role === 'system') throw new Error('磁盘故障');
      return execute(cmd);
    };
    const lines: [Record<string, unknown>, string][] = [];
    const logger = { error: (fields: Record<string, unknown>, message: string) => void lines.push([fields, message]), warn() {}, info() {}, debug() {} } as unknown as Logger;
    const scheduler = new Scheduler({ engine, store: w.store, clock: w.clock, logger });
    scheduler.followLinks();
    try {
      const starter = (await engine.getCase(pending.caseId)).snapshot.context as { startedBy: Parameters<typeof senderOf>[3] };
      await engine.execute({ caseId: pending.caseId, type: 'APPROVE', data: {}, actor: senderOf(w, 'datasetRelease', 'APPROVE', starter.startedBy), correlationId: 'req-approve-1' });
      await scheduler.fireDueTimers().catch(() => undefined);
      const failed = lines.filter(([, message]) => message.startsWith('关联案件未能自动办结'));
      expect(failed).toHaveLength(1);
      expect(failed[0]![0]).toMatchObject({ caseId: request.caseId, linkedId: pending.caseId, correlationId: 'req-approve-1' });
    } finally {
      scheduler.stop();
    }
  });

  it('given a request waiting for a release whose stream is damaged (the work index skipped it), when the timer pass runs every minute, then the release that cannot be read is logged once as an error, with its id, and still counted a failure every pass', async () => {
    const t = await createWorld();
    try {
      const { request, pending } = await waitingOnDamagedRelease(t);

      const lines: { level: number; msg: string; caseId?: string; err?: unknown }[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as (typeof lines)[number]);
          done();
        },
      });
      const clock = new ManualClock(t.clock.now());
      const failures: unknown[] = [];
      const scheduler = new Scheduler({ engine: coldEngine(t), store: t.store, clock, logger: pino({ level: 'info' }, sink), onFailure: (err) => failures.push(err) });
      for (let pass = 0; pass < 5; pass++) {
        expect(await scheduler.fireDueTimers()).toBe(0);
        clock.advance(60_000);
      }

      const unreadable = lines.filter((line) => line.level >= 50 && line.msg.startsWith('等待中的案件所关联的案件无法读取'));
      expect(unreadable).toHaveLength(1);
      expect(unreadable[0]).toMatchObject({ caseId: pending.caseId, err: expect.anything() });
      expect(failures).toHaveLength(5);
      expect((await t.engine.getCase(request.caseId)).state).toBe('openingPending');
    } finally {
      await t.close();
    }
  });

  it('given a release waited on that cannot be read, when it fails for another reason on a later pass, then that failure is logged too, once', async () => {
    const t = await createWorld();
    try {
      await waitingOnDamagedRelease(t);

      const engine = coldEngine(t);
      let reason: string | undefined;
      const getCase = engine.getCase.bind(engine);
      engine.getCase = async (caseId, ...rest) => {
        if (reason) throw new Error(reason);
        return getCase(caseId, ...rest);
      };
      const messages: string[] = [];
      const logger = { error: (_: unknown, message: string) => void messages.push(message), debug() {} } as unknown as Logger;
      const scheduler = new Scheduler({ engine, store: t.store, clock: new ManualClock(t.clock.now()), logger });
      for (const next of [undefined, undefined, '磁盘 I/O 错误', '磁盘 I/O 错误']) {
        reason = next;
        await scheduler.fireDueTimers();
      }

      expect(messages.filter((m) => m.startsWith('等待中的案件所关联的案件无法读取'))).toHaveLength(2);
    } finally {
      await t.close();
    }
  });
});
