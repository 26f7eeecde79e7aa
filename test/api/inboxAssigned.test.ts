/**
 * GET /v1/inbox?assigned=: a bureau's own tasks apart from those of other organisations it may also act
 * on. The provincial bureau may review any city's list adjustment (第八条第二款: 市级以上), and every
 * one of them sat in its inbox among its own, with no way to tell them apart but reading `org`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

const CITY = '370100-dsj';
const PROVINCE = '370000-dsj';

describe('given a Jinan provider’s list adjustment (the city’s to review, the province’s too) and a provincial provider’s (the province’s alone)', () => {
  let api: TestApi;
  let cityCase: string;
  let provinceCase: string;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
    const start = async (providerOrg: string) => {
      const res = await api.call('POST', '/v1/cases', { as: await api.token('provider', providerOrg), body: { process: 'listAdjustment', input: { ...startInputs.listAdjustment, providerOrg } } });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    cityCase = await start('370100-gaj');
    provinceCase = await start('370000-gat');
  });
  afterAll(() => api.close());

  const inbox = async (org: string, query = '') => {
    const res = await api.call('GET', `/v1/inbox${query}`, { as: await api.token('authority', org) });
    expect(res.status, res.text).toBe(200);
    return (res.body.items as { caseId: string; org: string }[]).map((i) => [i.caseId, i.org]);
  };

  it('when the provincial bureau asks for its inbox, then both; with assigned=true its own alone; with assigned=false the city’s alone', async () => {
    expect(new Set(await inbox(PROVINCE))).toEqual(new Set([[cityCase, CITY], [provinceCase, PROVINCE]]));
    expect(await inbox(PROVINCE, '?assigned=true')).toEqual([[provinceCase, PROVINCE]]);
    expect(await inbox(PROVINCE, '?assigned=false')).toEqual([[cityCase, CITY]]);
  });

  it('when the city bureau asks, then its own task is assigned to it, and nothing is another’s', async () => {
    expect(await inbox(CITY, '?assigned=true')).toEqual([[cityCase, CITY]]);
    expect(await inbox(CITY, '?assigned=false')).toEqual([]);
  });

  it('when the provincial bureau opens the city’s case, then its task says who may act, as the inbox item does: the city’s bureau and the province’s', async () => {
    const token = await api.token('authority', PROVINCE);
    const res = await api.call('GET', `/v1/cases/${cityCase}`, { as: token });
    expect(res.body.tasks).toMatchObject([{ stage: 'review', org: CITY, orgs: [CITY, PROVINCE] }]);
    expect(res.body.allowedCommands).toContain('APPROVE');
    const item = (await api.call('GET', '/v1/inbox?assigned=false', { as: token })).body.items[0];
    expect(item.orgs).toEqual(res.body.tasks[0].orgs);
  });

  it('when assigned is neither true nor false, then 400 naming it, in Chinese', async () => {
    const res = await api.call('GET', '/v1/inbox?assigned=yes', { as: await api.token('authority', PROVINCE) });
    expect([res.status, res.body.code, res.body.errors?.[0]?.path]).toEqual([400, 'VALIDATION_FAILED', 'querystring.assigned']);
  });
});
