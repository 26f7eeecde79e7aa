/**
 * `npm run replay` names each actor's organisation so compliance can tell who acted. A natural
 * person's code is the 身份证号 it is authenticated with (API.md: an applicant's own id), 18
 * characters like a company's 统一社会信用代码: it was printed as one ("统一社会信用代码 3701…"),
 * which reads as an organisation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeline } from '../../scripts/demo/replay.js';
import { startTestApi, type TestApi } from '../api/harness.js';
import { companyApplicant, personApplicant, startInputs } from '../machines/examples.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const startAs = async (org: string, applicant: unknown) => {
  const res = await api.call('POST', '/v1/cases', { as: await api.token('applicant', org), body: { process: 'unopenedDataRequest', input: { ...startInputs.unopenedDataRequest, applicant } } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
};

describe('the replay timeline names who acted', () => {
  it('given a request filed by a person authenticated by 身份证号, then the timeline calls the code a 身份证号, not a 统一社会信用代码', async () => {
    const { lines } = await timeline(api.app, await startAs(personApplicant.idNumber, personApplicant), api.clock.now());
    expect(lines.join('\n')).toContain(`身份证号 ${personApplicant.idNumber}`);
    expect(lines.join('\n')).not.toContain(`统一社会信用代码 ${personApplicant.idNumber}`);
  });

  it('given one filed by a company, then its code is a 统一社会信用代码', async () => {
    const { lines } = await timeline(api.app, await startAs(companyApplicant.creditCode, companyApplicant), api.clock.now());
    expect(lines.join('\n')).toContain(`统一社会信用代码 ${companyApplicant.creditCode}`);
  });
});
