/**
 * A report asked for with `Accept: text/csv` and no `format` is the CSV `format=csv` answers (RFC 9110
 * §12.5.1): a spreadsheet tool or `curl -H 'Accept: text/csv'` asked for CSV and was sent JSON. Only
 * an Accept that prefers CSV to JSON does it; anything a client sends today (none, `*\/*`, a browser's,
 * `application/xml`) is answered JSON as before, never 406.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let supervisor: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2026-03-02T01:00:00.000Z' });
  supervisor = await api.token('supervisor', '370000-dsj');
});
afterAll(() => api.close());

const PERIOD = 'from=2026-01-01T00:00:00Z&to=2026-04-01T00:00:00Z';

describe('Accept on the reports', () => {
  const reports = () => [`/v1/reports/overdue?asOf=2026-03-02T01:00:00Z`, `/v1/reports/sla?${PERIOD}`];

  it.each(['text/csv', 'text/csv; charset=utf-8', 'text/csv, application/json;q=0.5', 'text/*', 'text/csv, */*;q=0.1'])(
    'given Accept: %s and no format, then the CSV that format=csv answers, with Vary: Accept',
    async (accept) => {
      for (const url of reports()) {
        const csv = await api.call('GET', `${url}&format=csv`, { as: supervisor });
        const res = await api.call('GET', url, { as: supervisor, headers: { accept } });
        expect(res.status, url).toBe(200);
        expect(res.headers['content-type'], url).toBe('text/csv; charset=utf-8');
        expect(res.headers['content-disposition'], url).toBe(csv.headers['content-disposition']);
        expect(res.text, url).toBe(csv.text);
        expect(String(res.headers.vary), url).toMatch(/(^|,\s*)Accept(,|$)/);
      }
    },
  );

  it.each([
    ['none', undefined],
    ['*/*', '*/*'],
    ['application/json', 'application/json'],
    ['a browser’s', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ['application/xml (which the API does not make: JSON, as before, not 406)', 'application/xml'],
    ['text/csv and application/json equally', 'text/csv, application/json'],
    ['application/json preferred', 'application/json, text/csv;q=0.5'],
    ['text/csv;q=0 (not acceptable)', 'text/csv;q=0, */*'],
    ['text/csv with a q that is no qvalue (ignored, as Accept-Language’s is)', 'text/csv;q=.5'],
  ])('given Accept %s, then JSON as before', async (_what, accept) => {
    for (const url of reports()) {
      const res = await api.call('GET', url, { as: supervisor, headers: accept ? { accept } : {} });
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('application/json; charset=utf-8');
      // Another Accept would have made it CSV: a cache keeps the two apart.
      expect(String(res.headers.vary), url).toMatch(/(^|,\s*)Accept(,|$)/);
    }
  });

  it('given format=json with Accept: text/csv, then JSON: the query parameter API.md names decides', async () => {
    for (const url of reports()) {
      const res = await api.call('GET', `${url}&format=json`, { as: supervisor, headers: { accept: 'text/csv' } });
      expect(res.headers['content-type'], url).toBe('application/json; charset=utf-8');
    }
  });

  it('given Accept: text/csv on a route that has no CSV, then its JSON as before (not 406)', async () => {
    for (const url of ['/health', '/v1/processes', '/v1/inbox']) {
      const res = await api.call('GET', url, { as: supervisor, headers: { accept: 'text/csv' } });
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('application/json; charset=utf-8');
    }
  });
});
