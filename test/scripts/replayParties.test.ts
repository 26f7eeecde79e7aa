/**
 * `npm run replay` names each actor's organisation so compliance can tell who acted. A natural
 * person's code is the 身份证号 it is authenticated with (API.md: an applicant's own id), 18
 * characters like a company's 统一社会信用代码: it was printed as one ("统一社会信用代码 3701…"),
 * which reads as an organisation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeline } from '../../scripts/demo/replay.js';
import { agreementInUse, startTestApi, type TestApi } from '../api/harness.js';
import { actors, commandData, companyApplicant, personApplicant, startInputs } from '../machines/examples.js';

let api: TestApi;
beforeAll(async () => {
  // Monday 2025-03-03, 09:30 Beijing: the examples' agreement lets the data be used 2025-03-01 to 2025-12-31.
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
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

  it('given results fed back and the case ended before either party took note, then the two items closing read whose each was, as their opening lines do (QA: two identical lines)', async () => {
    const { id } = await agreementInUse(api);
    const { engine } = api.app;
    const data = commandData.conditionalApplication;
    await engine.execute({ caseId: id, type: 'REPORT_RESULTS', data: data.REPORT_RESULTS, actor: actors.company });
    await engine.execute({ caseId: id, type: 'TERMINATE', data: data.TERMINATE, actor: actors.provider });
    await engine.execute({ caseId: id, type: 'CONFIRM_DESTRUCTION', data: data.CONFIRM_DESTRUCTION, actor: actors.company });
    const { lines } = await timeline(api.app, id, api.clock.now());
    const closed = lines.filter((line) => line.includes('期限关闭：知悉：利用主体反馈数据应用成果'));
    expect(closed).toHaveLength(2);
    expect(closed[0]).toMatch(/期限关闭：知悉：利用主体反馈数据应用成果 · 开放主体 济南市公安局.*（无期限），未办理即取消$/);
    expect(closed[1]).toMatch(/期限关闭：知悉：利用主体反馈数据应用成果 · 主管部门 济南市大数据局.*（无期限），未办理即取消$/);
  });
});
