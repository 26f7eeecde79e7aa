/**
 * 机构改革: a refusal tells its sender whom the case waits on (`案件正在等待：…`). After 济南市公安局 was
 * merged into 济南市综合执法局, an applicant whose case waits on the open task still stamped with the old
 * code is told it waits on "济南市公安局（已撤销）" — a bureau that no longer exists — and not on the one
 * that does the work now, whom the applicant would have to contact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from './harness.js';
import { acrossReform } from './reform.js';
import { actors, commandData, startInputs } from '../machines/examples.js';

const MERGED = '370100-zhzfj';

describe('given a conditional application waiting on 济南市公安局 to open access, when 济南市公安局 is merged into 济南市综合执法局', () => {
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let api: TestApi;
  let id: string;
  beforeAll(async () => {
    reformed = await acrossReform([], (shipped) => shipped.flatMap((o) => (o.code === '370100-gaj' ? [{ ...o, successor: MERGED }, { ...o, code: MERGED, name: '济南市综合执法局' }] : [o])), async (before) => {
      const input = startInputs.conditionalApplication;
      const started = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'conditionalApplication', input: { ...input, usePeriod: { from: '2026-03-01', to: '2026-12-31' } } } });
      expect(started.status, started.text).toBe(201);
      id = started.body.id;
      const authority = await before.token('authority', actors.cityAuthority.org);
      const provider = await before.token('provider', actors.provider.org);
      for (const [as, type, data] of [
        [authority, 'PASS_NORMATIVE_REVIEW', {}],
        [provider, 'APPROVE', {}],
        [provider, 'SIGN_AGREEMENT', { ...commandData.conditionalApplication.SIGN_AGREEMENT, useFrom: '2026-03-02', useTo: '2026-12-31' }],
      ] as const) {
        const res = await before.call('POST', `/v1/cases/${id}/commands`, { as, body: { type, data } });
        expect(res.status, `${type}: ${res.text}`).toBe(200);
      }
    });
    api = reformed.api;
  });
  afterAll(() => reformed.close());

  it('when the applicant sends a command the case does not take now, then the refusal says it waits on 济南市综合执法局, which does the work now', async () => {
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: await api.token('applicant', actors.company.org, actors.company.sub), body: { type: 'WITHDRAW', data: commandData.conditionalApplication.WITHDRAW } });
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('案件正在等待：开通有条件开放数据使用权限（济南市综合执法局，原济南市公安局）');
    const en = await api.call('POST', `/v1/cases/${id}/commands`, { as: await api.token('applicant', actors.company.org, actors.company.sub), body: { type: 'WITHDRAW', data: commandData.conditionalApplication.WITHDRAW }, headers: { 'accept-language': 'en' } });
    expect(en.body.detail).toContain(`the case is waiting on: accessPending (${MERGED}, formerly 370100-gaj)`);
  });
});
