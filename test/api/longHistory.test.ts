/**
 * The history of a case that lives for years (附录5 协议二(三): the applicant reports its use for as
 * long as the agreement runs). A case of 20,000 usage reports answered GET /v1/cases/:id/history with
 * 15 MB checked against the response schema and written in one go: no other request was answered for
 * 0.3 s, and for seconds with several readers. A history longer than 500 events is written in pieces,
 * a turn of the event loop between them: the same document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseHistory, openedArticles } from '../../projections/audit.js';
import { historyWords, labelledHistory } from '../../api/shape.js';
import { actors } from '../machines/examples.js';
import { agreementInUse, startTestApi, type TestApi } from './harness.js';

describe('GET /v1/cases/:id/history of a long case', () => {
  let api: TestApi;
  let applicant: string;
  let id: string;

  beforeAll(async () => {
    // Monday 2025-03-03, 09:30 Beijing: the examples' agreement lets the data be used 2025-03-01 to 2025-12-31.
    api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
    ({ id, applicant } = await agreementInUse(api));
    for (let i = 0; i < 520; i++) {
      await api.app.engine.execute({ caseId: id, type: 'REPORT_USAGE', data: { period: { from: '2025-03-01', to: '2025-03-03' }, summary: `第 ${i} 次报告` }, actor: actors.company });
    }
  });
  afterAll(() => api.close());

  it('given a case of 525 events, when its history is read, then it is written in pieces (no length known ahead) and is the history, event for event', async () => {
    const res = await api.call('GET', `/v1/cases/${id}/history`, { as: applicant });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const events = await api.app.engine.history(id);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.body.events).toHaveLength(525);
    // Written in pieces, its events name their command and states as a short history's do.
    expect(res.body.events[524]).toMatchObject({ command: 'REPORT_USAGE', commandLabel: '报告数据利用情况', stateAfterLabel: '使用中' });
    expect(res.body).toEqual(JSON.parse(JSON.stringify(labelledHistory(caseHistory(events), api.app.registry, undefined, historyWords(api.app.directory, api.app.calendar.current(), openedArticles(events))))));
  });

  it('given a case of 525 events, when its history is read as of a moment, then the state and open tasks as of then follow the events', async () => {
    const asOf = '2025-03-03T01:30:00.000Z';
    const res = await api.call('GET', `/v1/cases/${id}/history?asOf=${encodeURIComponent(asOf)}`, { as: applicant });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const events = await api.app.engine.history(id);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(labelledHistory(caseHistory(events, { asOf }), api.app.registry, undefined, historyWords(api.app.directory, api.app.calendar.current(), openedArticles(events))))));
    expect(res.body).toMatchObject({ asOf, stateAsOf: 'active', stateAsOfLabel: '使用中' });
  });
});
