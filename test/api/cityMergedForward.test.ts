/**
 * 机构改革 at city level: 莱芜市 (371200) was merged into 济南市 (370100); 莱芜市公安局 (371200-gaj) is a
 * provider left in 371200 (not yet re-coded). The README says a provider there is 济南's: 济南市大数据局 is
 * its 市级以上 and 本级 authority and sees its cases. Reviewing an unopened-data request (第十五条),
 * 济南市大数据局 forwards it to the provider that holds the data — a unit of the region it took over
 * must be one it may forward to (第六条: its own region, with the regions taken over).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from './harness.js';
import { acrossReform, type Org } from './reform.js';
import { actors, startInputs } from '../machines/examples.js';

const LAIWU: Org[] = [
  { code: '371200-dsj', name: '莱芜市大数据局', kind: 'authority', level: 'city', region: '371200' },
  { code: '371200-gaj', name: '莱芜市公安局', kind: 'provider', level: 'city', region: '371200' },
];
const MERGED: Org[] = [{ ...LAIWU[0]!, successor: '370100-dsj' }, LAIWU[1]!];
const toLaiwu = { ...startInputs.unopenedDataRequest, addressedRegion: '371200', coverage: { region: '371200' } };

describe('given an unopened-data request addressed to 莱芜市 (371200), stored before 莱芜 merged into 济南', () => {
  let api: TestApi;
  let reformed: Awaited<ReturnType<typeof acrossReform>>;
  let id: string;
  beforeAll(async () => {
    reformed = await acrossReform(LAIWU, MERGED, async (before) => {
      const res = await before.call('POST', '/v1/cases', { as: await before.token('applicant', actors.company.org, actors.company.sub), body: { process: 'unopenedDataRequest', input: toLaiwu } });
      expect(res.status, res.text).toBe(201);
      id = res.body.id;
    });
    api = reformed.api;
  });
  afterAll(() => reformed.close());

  it('when 济南市大数据局 passes the review forwarding it to 莱芜市公安局 (a provider of the region it took over), then it is accepted, and the provider finds it in its inbox', async () => {
    const jinan = await api.token('authority', '370100-dsj');
    // 济南 is this provider's 本级 now, as the directory says.
    expect((await api.call('GET', `/v1/cases/${id}`, { as: jinan })).body.allowedCommands).toContain('PASS_NORMATIVE_REVIEW');
    const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: jinan, body: { type: 'PASS_NORMATIVE_REVIEW', data: { providerOrg: '371200-gaj', opinion: '材料规范，转莱芜市公安局论证。' } } });
    expect([res.status, res.body.rule, res.body.detail]).toEqual([200, undefined, undefined]);
    const inbox = await api.call('GET', '/v1/inbox', { as: await api.token('provider', '371200-gaj') });
    expect(inbox.body.items.map((i: { caseId: string }) => i.caseId)).toContain(id);
  });

  it('when 青岛市大数据局 tried the same on a request of its own, then it would still be refused (第六条): the merger widens 济南 alone', async () => {
    const qd = await api.call('POST', '/v1/cases', { as: await api.token('applicant', actors.company.org, actors.company.sub), body: { process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, addressedRegion: '370200', coverage: { region: '370200' } } } });
    expect(qd.status, qd.text).toBe(201);
    const res = await api.call('POST', `/v1/cases/${qd.body.id}/commands`, { as: await api.token('authority', '370200-dsj'), body: { type: 'PASS_NORMATIVE_REVIEW', data: { providerOrg: '371200-gaj', opinion: '转莱芜市公安局。' } } });
    expect([res.status, res.body.rule]).toEqual([422, 'providerInJurisdiction']);
  });
});
