/**
 * Simultaneous requests that found no defect, kept as regressions: conflicting reviewers, one
 * Idempotency-Key sent many times at once, and a storm of starts. Each `Promise.all` is answered the
 * same whatever order the requests are decided in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandData, conditionalApplicationSentOn } from '../machines/examples.js';
import { startTestApi, type TestApi } from '../api/harness.js';
import { partyTokens, rebuildEqualsIncremental } from './helpers.js';

let api: TestApi;
let t: Awaited<ReturnType<typeof partyTokens>>;
beforeAll(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  t = await partyTokens(api);
});
afterAll(async () => {
  // Whatever the requests left, the read models are what the log rebuilds.
  const { incremental, rebuilt } = await rebuildEqualsIncremental(api);
  expect(rebuilt).toEqual(incremental);
  await api.close();
});

const apply = async () => {
  const res = await api.call('POST', '/v1/cases', { as: t.applicant, body: { process: 'conditionalApplication', input: conditionalApplicationSentOn('2025-03-03') } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
};
const send = (id: string, as: string, body: unknown, headers?: Record<string, string>) => api.call('POST', `/v1/cases/${id}/commands`, { as, body, ...(headers ? { headers } : {}) });
const history = async (id: string) => (await api.call('GET', `/v1/cases/${id}/history`, { as: t.reviewer1 })).body.events as { command: string; actor: { sub: string } }[];

describe('two reviewers decide the normative review at the same moment (第十四条(二))', () => {
  it.each([
    ['without expectedRevision', 'INVALID_TRANSITION', {}],
    ['with expectedRevision 0', 'REVISION_CONFLICT', { expectedRevision: 0 }],
  ] as const)('given an application, when PASS and FAIL are sent at once %s, then one is stored and the other is 409 %s in Chinese; the inbox and the case list show the winner', async (_how, code, extra) => {
    const id = await apply();
    const answers = await Promise.all([
      send(id, t.reviewer1, { type: 'PASS_NORMATIVE_REVIEW', data: {}, ...extra }),
      send(id, t.reviewer2, { type: 'FAIL_NORMATIVE_REVIEW', data: commandData.conditionalApplication.FAIL_NORMATIVE_REVIEW, ...extra }),
    ]);
    const won = answers.filter((a) => a.status === 200);
    const lost = answers.filter((a) => a.status !== 200);
    expect(won).toHaveLength(1);
    expect(lost.map((a) => [a.status, a.body.code])).toEqual([[409, code]]);
    expect(lost[0]!.body.detail).toMatch(/[\u4e00-\u9fff]/);
    const events = await history(id);
    expect(events.map((e) => e.command)).toEqual(['START', won[0]!.body.event.command]);
    const state = won[0]!.body.state as string;
    const listed = (await api.call('GET', '/v1/cases?process=conditionalApplication&limit=100', { as: t.reviewer1 })).body.items.find((c: { id: string }) => c.id === id);
    expect(listed).toMatchObject({ state, revision: 1 });
    const inbox = await api.call('GET', '/v1/inbox?limit=100', { as: state === 'providerReview' ? t.provider : t.reviewer1 });
    const tasks = inbox.body.items.filter((i: { caseId: string }) => i.caseId === id).map((i: { stage: string }) => i.stage);
    expect(tasks).toEqual(state === 'providerReview' ? ['providerReview'] : []);
    expect((await api.call('GET', `/v1/cases/${id}/verify`, { as: t.reviewer1 })).body.ok).toBe(true);
  });
});

describe('one Idempotency-Key sent many times at once', () => {
  it('given an application, when PASS is sent 10 times at once with one key, then one event, every answer the first one (9 replayed)', async () => {
    const id = await apply();
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(id, t.reviewer1, { type: 'PASS_NORMATIVE_REVIEW', data: {} }, { 'idempotency-key': 'pass-1' })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((a) => a.body.replayed)).toHaveLength(9);
    expect(new Set(answers.map((a) => JSON.stringify({ ...a.body, replayed: undefined }))).size).toBe(1);
    expect((await history(id)).map((e) => e.command)).toEqual(['START', 'PASS_NORMATIVE_REVIEW']);
  });

  it('given an application, when one key comes with two different bodies and with one that fails validation, at once, then one event; the same body as it is the first answer, the other body 422 idempotencyKeyReused, the invalid one 400 (or 422 once the key is taken), none 5xx', async () => {
    const id = await apply();
    const fail = { type: 'FAIL_NORMATIVE_REVIEW', data: commandData.conditionalApplication.FAIL_NORMATIVE_REVIEW };
    const other = { type: 'FAIL_NORMATIVE_REVIEW', data: { reason: '另一理由：材料不齐全。' } };
    const invalid = { type: 'FAIL_NORMATIVE_REVIEW', data: {} as { reason?: string } };
    const bodies: { type: string; data: { reason?: string } }[] = [fail, other, invalid, fail, other, invalid];
    const answers = await Promise.all(bodies.map((body) => send(id, t.reviewer1, body, { 'idempotency-key': 'fail-1' })));
    const stored = (await history(id)).slice(1) as unknown as { data: { reason: string } }[];
    expect(stored).toHaveLength(1);
    const first = stored[0]!.data.reason;
    for (const [i, body] of bodies.entries()) {
      const answer = answers[i]!;
      if (body === invalid) expect([answer.body.code, answer.body.rule]).toEqual(expect.arrayContaining([answer.status === 400 ? 'VALIDATION_FAILED' : 'idempotencyKeyReused']));
      else if (body.data.reason === first) expect([answer.status, answer.body.event.data.reason]).toEqual([200, first]);
      else expect(answer.body).toMatchObject({ status: 422, code: 'RULE_VIOLATED', rule: 'idempotencyKeyReused' });
    }
  });
});

describe('a storm of starts', () => {
  it('given nothing, when 120 applications are sent at once, 90 of them on 30 keys, then 60 cases; each key answers one case, and the case list has them all', async () => {
    const input = conditionalApplicationSentOn('2025-03-03');
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        api.call('POST', '/v1/cases', { as: t.applicant, body: { process: 'conditionalApplication', input }, ...(i < 90 ? { headers: { 'idempotency-key': `storm-${i % 30}` } } : {}) }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(120).fill(201));
    const byKey = new Map<number, Set<string>>();
    answers.slice(0, 90).forEach((a, i) => byKey.set(i % 30, (byKey.get(i % 30) ?? new Set()).add(a.body.id)));
    expect([...byKey.values()].every((ids) => ids.size === 1)).toBe(true);
    const ids = new Set(answers.map((a) => a.body.id as string));
    expect(ids.size).toBe(60);
    const listed = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call('GET', `/v1/cases?process=conditionalApplication&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { as: t.applicant });
      for (const item of page.body.items) listed.add(item.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const id of ids) expect(listed.has(id)).toBe(true);
    expect(answers.every((a) => a.body.revision === 0)).toBe(true);
  });
});
