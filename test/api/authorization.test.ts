/**
 * The authorisation matrix: every route × every role × own organisation / another organisation /
 * another region. Given a conditional-data application by 山东数智科技 to 济南市公安局 (Jinan,
 * 370100) waiting for 济南市大数据局's normative review, each caller gets exactly the answer
 * API.md "Identity" promises: 2xx, 403 (may see, may not do), or 404 (may not see).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, personApplicant, startInputs } from '../machines/examples.js';
import { startTestApi, type Role, type TestApi } from './harness.js';

interface Caller {
  name: string;
  role: Role;
  org: string;
  /** May see the Jinan case (canSee). */
  sees: boolean;
  /** May send PASS_NORMATIVE_REVIEW on it (本级 authority only, 第十四条(二)). */
  reviews?: boolean;
  /** May start a conditional application. */
  applies?: boolean;
  /** May read reports / export the audit trail / administer. */
  reports?: boolean;
  audits?: boolean;
  admin?: boolean;
}

const CALLERS: Caller[] = [
  { name: 'applicant, own', role: 'applicant', org: actors.company.org, sees: true, applies: true },
  { name: 'applicant, other', role: 'applicant', org: '91370200MA3D0X1Y2Z', sees: false, applies: true },
  { name: 'provider, own', role: 'provider', org: '370100-gaj', sees: true },
  { name: 'provider, other org same city', role: 'provider', org: '370100-scjgj', sees: false },
  { name: 'provider, other region', role: 'provider', org: '370200-gaj', sees: false },
  { name: 'authority, own (本级)', role: 'authority', org: '370100-dsj', sees: true, reviews: true, reports: true },
  { name: 'authority, province', role: 'authority', org: '370000-dsj', sees: true, reports: true },
  { name: 'authority, county below', role: 'authority', org: '370102-dsj', sees: false, reports: true },
  { name: 'authority, other region', role: 'authority', org: '370200-dsj', sees: false, reports: true },
  { name: 'supervisor, own region', role: 'supervisor', org: '370100-dsj', sees: true, reports: true },
  { name: 'supervisor, province', role: 'supervisor', org: '370000-dsj', sees: true, reports: true },
  { name: 'supervisor, other region', role: 'supervisor', org: '370200-dsj', sees: false, reports: true },
  { name: 'auditor, own region', role: 'auditor', org: '370100-dsj', sees: true, reports: true, audits: true },
  { name: 'auditor, other region', role: 'auditor', org: '370200-dsj', sees: false, reports: true, audits: true },
  { name: 'admin', role: 'admin', org: '370000-dsj', sees: true, reports: true, audits: true, admin: true },
];

const NOTICE_2027 = {
  notice: '国办发明电〔2026〕1号（测试数据）',
  url: 'https://www.gov.cn/zhengce/test-2027.htm',
  // 元旦 with its weekend, and every other statutory holiday of 2027 with its 补假 (a notice gives at least those).
  holidays: [
    '2027-01-01', '2027-01-02', '2027-01-03', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-04-05',
    '2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04', '2027-06-09', '2027-09-15', '2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05',
  ],
  adjustedWorkdays: [],
};

describe('authorisation matrix', () => {
  let api: TestApi;
  const tokens = new Map<string, string>();
  let applicantToken: string;

  /** A fresh Jinan case in normativeReview. */
  async function newCase(): Promise<string> {
    const res = await api.call('POST', '/v1/cases', { as: applicantToken, body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  let caseId: string;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
    applicantToken = await api.token('applicant', actors.company.org, actors.company.sub);
    for (const c of CALLERS) tokens.set(c.name, c.name === 'applicant, own' ? applicantToken : await api.token(c.role, c.org));
    caseId = await newCase();
  });
  afterAll(() => api.close());

  const as = (c: Caller) => tokens.get(c.name)!;
  const expectStatus = (res: { status: number; body: any }, status: number, what: string) =>
    expect(res.status, `${what}: ${JSON.stringify(res.body)?.slice(0, 300)}`).toBe(status);

  for (const c of CALLERS) {
    describe(c.name, () => {
      it(`reads the case, its history and its verification: ${c.sees ? '200' : '404'}`, async () => {
        for (const path of ['', '/history', '/verify']) {
          const res = await api.call('GET', `/v1/cases/${caseId}${path}`, { as: as(c) });
          expectStatus(res, c.sees ? 200 : 404, `GET /v1/cases/:id${path}`);
          if (!c.sees) expect(res.body.code).toBe('NOT_FOUND');
        }
      });

      it(`lists the case among its cases only if it may see it`, async () => {
        const res = await api.call('GET', '/v1/cases?process=conditionalApplication&limit=100', { as: as(c) });
        expectStatus(res, 200, 'GET /v1/cases');
        expect(res.body.items.some((i: { caseId: string }) => i.caseId === caseId)).toBe(c.sees);
      });

      it(`sends the normative review: ${c.reviews ? '200' : c.sees ? '403' : '404'}`, async () => {
        const id = await newCase();
        const res = await api.call('POST', `/v1/cases/${id}/commands`, { as: as(c), body: { type: 'PASS_NORMATIVE_REVIEW', data: {} } });
        expectStatus(res, c.reviews ? 200 : c.sees ? 403 : 404, 'POST /v1/cases/:id/commands');
      });

      it(`starts a conditional application: ${c.applies ? '201' : '403'}`, async () => {
        const res = await api.call('POST', '/v1/cases', { as: as(c), body: { process: 'conditionalApplication', input: startInputs.conditionalApplication } });
        expectStatus(res, c.applies ? 201 : 403, 'POST /v1/cases');
      });

      it('works its inbox: 200, holding the review only for the 本级 authority', async () => {
        const res = await api.call('GET', '/v1/inbox', { as: as(c) });
        expectStatus(res, 200, 'GET /v1/inbox');
        expect(res.body.items.some((i: { caseId: string }) => i.caseId === caseId)).toBe(c.reviews === true);
      });

      it(`reads the overdue and on-time reports: ${c.reports ? '200' : '403'}`, async () => {
        for (const path of ['/v1/reports/overdue', '/v1/reports/overdue?format=csv', '/v1/reports/sla']) {
          expectStatus(await api.call('GET', path, { as: as(c) }), c.reports ? 200 : 403, `GET ${path}`);
        }
      });

      it(`exports the audit trail: ${c.audits ? '200' : '403'}`, async () => {
        const res = await api.call('GET', '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', { as: as(c) });
        expectStatus(res, c.audits ? 200 : 403, 'GET /v1/audit/export');
        if (c.audits) expect(res.text.includes(caseId)).toBe(c.sees);
      });

      it('reads the calendar and the processes: 200', async () => {
        for (const path of ['/v1/calendar/2026', '/v1/calendar/deadline?from=2026-02-12&workingDays=5', '/v1/processes', '/v1/processes/objection/diagram?format=bpmn']) {
          expectStatus(await api.call('GET', path, { as: as(c) }), 200, `GET ${path}`);
        }
      });

      it(`moves the test clock: ${c.admin ? '200' : '403'}`, async () => {
        const res = await api.call('PUT', '/v1/test/clock', { as: as(c), body: { now: '2026-03-02T02:00:00Z' } });
        expectStatus(res, c.admin ? 200 : 403, 'PUT /v1/test/clock');
      });

      if (!c.admin) {
        it('loads a holiday notice: 403', async () => {
          expectStatus(await api.call('PUT', '/v1/calendar/2027', { as: as(c), body: NOTICE_2027 }), 403, 'PUT /v1/calendar/2027');
        });
      }
    });
  }

  it('a report for a region outside the caller\'s own is 403; inside it is 200', async () => {
    const jinanSupervisor = CALLERS.find((c) => c.name === 'supervisor, own region')!;
    expectStatus(await api.call('GET', '/v1/reports/overdue?region=370200', { as: as(jinanSupervisor) }), 403, 'Qingdao from Jinan');
    expectStatus(await api.call('GET', '/v1/reports/overdue?region=370102', { as: as(jinanSupervisor) }), 200, 'Lixia from Jinan');
  });

  /** Each caller (role, organisation) is refused 403 on every request, the detail saying why. */
  async function refusedEverywhere(callers: [role: Role, org: string, says: string][], requests: [method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown][]): Promise<void> {
    for (const [role, org, says] of callers) {
      const token = await api.token(role, org);
      for (const [method, path, body] of requests) {
        const res = await api.call(method, path, { as: token, ...(body ? { body } : {}) });
        expectStatus(res, 403, `${method} ${path}`);
        expect(res.body.detail).toContain(says);
      }
    }
  }

  it('a supervisor or auditor token naming a provider unit, or an organisation missing from the directory, is 403 on reports, lists and the audit export, saying why', async () => {
    await refusedEverywhere(
      [
        ['supervisor', '370000-gat', '（370000-gat）在机构目录中不是公共数据开放主管部门，不能以 supervisor 角色查看报表'],
        ['auditor', '370100-gaj', '济南市公安局（370100-gaj）在机构目录中不是公共数据开放主管部门，不能以 auditor 角色查看审计记录'],
        ['supervisor', '370100-nope', '机构目录中没有编码为 370100-nope 的公共数据开放主管部门，不能以 supervisor 角色查看报表'],
      ],
      ['/v1/reports/overdue', '/v1/reports/sla', '/v1/cases', `/v1/cases/${caseId}`, '/v1/audit/export?from=2020-01-01T00:00:00Z&to=2026-03-02T00:00:00Z'].map((path) => ['GET', path]),
    );
  });

  it('an admin token naming a provider unit, or any code missing from the directory, is 403 on cases, reports, the audit export and the calendar, saying why: an admin sees every applicant\'s personal data', async () => {
    await refusedEverywhere(
      [
        ['admin', 'whoever', '机构目录中没有编码为 whoever 的公共数据开放主管部门，不能以 admin 角色管理平台'],
        ['admin', '370100-gaj', '济南市公安局（370100-gaj）在机构目录中不是公共数据开放主管部门，不能以 admin 角色管理平台'],
        // 第六条: the platform is the provincial bureau's (security QA: a county bureau's admin listed and exported the province).
        ['admin', '370102-dsj', '（370102-dsj）不是省公共数据开放主管部门，不能以 admin 角色管理平台'],
        ['admin', '370100-dsj', '济南市大数据局（370100-dsj）不是省公共数据开放主管部门，不能以 admin 角色管理平台'],
      ],
      [
        ['GET', `/v1/cases/${caseId}`],
        ['GET', '/v1/cases'],
        ['GET', '/v1/reports/overdue'],
        ['GET', '/v1/audit/export?from=2020-01-01T00:00:00Z&to=2026-03-02T00:00:00Z'],
        ['PUT', '/v1/calendar/2027', { notice: '国务院办公厅关于2027年部分节假日安排的通知', url: 'https://www.gov.cn/', holidays: [], adjustedWorkdays: [] }],
      ],
    );
  });

  it('a provider or authority token naming an organisation of the other kind, or one missing from the directory, is 403 on every /v1 route, saying why', async () => {
    await refusedEverywhere(
      [
        ['provider', '370100-dsj', '济南市大数据局（370100-dsj）在机构目录中不是公共数据开放主体'],
        ['authority', '370100-gaj', '济南市公安局（370100-gaj）在机构目录中不是公共数据开放主管部门'],
        ['provider', '370100-nope', '机构目录中没有编码为 370100-nope 的公共数据开放主体'],
      ],
      [
        ['GET', `/v1/cases/${caseId}`],
        ['GET', '/v1/inbox'],
        ['POST', `/v1/cases/${caseId}/commands`, { type: 'APPROVE' }],
        ['POST', '/v1/cases', { process: 'datasetRelease', input: { ...startInputs.datasetRelease, providerOrg: '370100-dsj' } }],
      ],
    );
    // The case is untouched: still waiting for the bureau's normative review.
    expect((await api.call('GET', `/v1/cases/${caseId}`, { as: applicantToken })).body.state).toBe('normativeReview');
  });

  // Security QA: an applicant token naming 370100-dsj held its results report under the bureau's code,
  // and the overdue report counted it late against 济南市大数据局.
  it('an applicant token naming an organisation of the directory (a bureau, a provider unit) is 403 on every /v1 route, saying why', async () => {
    await refusedEverywhere(
      [
        ['applicant', '370100-dsj', '济南市大数据局（370100-dsj）是机构目录中的机构，不能以 applicant 角色申请或办理'],
        ['applicant', '370100-gaj', '济南市公安局（370100-gaj）是机构目录中的机构，不能以 applicant 角色申请或办理'],
        // Its code spelt otherwise (security QA: 370100-GAJ's objection stood in 济南市公安局's inbox as raised by it).
        ...['370100-GAJ', ' 370100-gaj', '370100－gaj', '３７０１００-gaj', '370100-gaj\u200b', '370100-gaj\u00a0', '370100-g\u0430j', '370100\u2010gaj', '37O100-gaj', '37Ol00-GAJ'].map(
          (org) => ['applicant', org, `与机构目录中济南市公安局的编码 370100-gaj 仅有大小写、全角半角或空白字符之别，不能以 applicant 角色申请或办理`] as [Role, string, string],
        ),
      ],
      [
        ['GET', `/v1/cases/${caseId}`],
        ['GET', '/v1/cases'],
        ['GET', '/v1/inbox'],
        ['POST', '/v1/cases', { process: 'objection', input: startInputs.objection }],
      ],
    );
  });

  it('without a token every /v1 route is 401; /health, /metrics and /docs are open', async () => {
    for (const [method, path] of [
      ['GET', `/v1/cases/${caseId}`],
      ['GET', '/v1/cases'],
      ['POST', '/v1/cases'],
      ['POST', `/v1/cases/${caseId}/commands`],
      ['GET', `/v1/cases/${caseId}/history`],
      ['GET', `/v1/cases/${caseId}/verify`],
      ['GET', '/v1/inbox'],
      ['GET', '/v1/reports/overdue'],
      ['GET', '/v1/reports/sla'],
      ['GET', '/v1/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z'],
      ['GET', '/v1/calendar/2026'],
      ['GET', '/v1/calendar/deadline?from=2026-02-12&workingDays=5'],
      ['PUT', '/v1/calendar/2027'],
      ['GET', '/v1/processes'],
      ['GET', '/v1/processes/objection/diagram'],
      ['PUT', '/v1/test/clock'],
    ] as const) {
      const body = method === 'GET' ? undefined : method === 'POST' && path === '/v1/cases' ? { process: 'objection', input: startInputs.objection } : path.includes('commands') ? { type: 'APPROVE' } : path.includes('clock') ? { now: '2026-03-03T00:00:00Z' } : NOTICE_2027;
      const res = await api.call(method, path, body === undefined ? {} : { body });
      expectStatus(res, 401, `${method} ${path}`);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
    for (const path of ['/health', '/metrics', '/docs']) expectStatus(await api.call('GET', path), 200, path);
  });

  it('without a token, or with a bad one, a malformed request is 401 too: who asks is settled before what is asked, and nothing about the route\'s schema is told', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
      for (const [method, path, body] of [
        ['POST', '/v1/cases', { process: 42 }],
        ['POST', `/v1/cases/${caseId}/commands`, { type: ['APPROVE'], expectedRevision: 'x' }],
        ['GET', '/v1/reports/overdue?asOf=yesterday&format=xls', undefined],
        ['GET', '/v1/inbox?dueWithin=-3', undefined],
        ['GET', '/v1/calendar/deadline?from=2026-13-45&workingDays=x', undefined],
        ['PUT', '/v1/calendar/2027', { holidays: 'none' }],
      ] as const) {
        // The router decodes the path: `/%761/…` and `/v%31/…` reach the same routes as `/v1/…`.
        for (const spelt of [path, path.replace('/v1/', '/%761/'), path.replace('/v1/', '/v%31/')]) {
          const res = await api.call(method, spelt, { headers, ...(body === undefined ? {} : { body }) });
          expectStatus(res, 401, `${method} ${spelt}`);
          expect(res.body.code).toBe('UNAUTHENTICATED');
          expect(res.body.errors).toBeUndefined();
        }
      }
    }
    // Nor does an anonymous caller learn which /v1 routes exist, however the path is spelt.
    for (const path of ['/v1/nope', '/%761/nope', '/v%31/cases/x/nope']) expectStatus(await api.call('GET', path), 401, path);
  });

  it('an absolute-form request target (`GET http://host/v1/… HTTP/1.1`) reaches the route, and its caller is settled first too', async () => {
    const address = await api.server.listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end(`GET http://127.0.0.1:${port}/v1/cases?limit=abc HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(raw).toContain('"code":"UNAUTHENTICATED"');
  });

  it('an admin loads a holiday notice: 200, a new calendar version', async () => {
    const admin = CALLERS.find((c) => c.admin)!;
    const before = (await api.call('GET', '/health')).body.calendarVersion;
    const res = await api.call('PUT', '/v1/calendar/2027', { as: as(admin), body: NOTICE_2027 });
    expectStatus(res, 200, 'PUT /v1/calendar/2027');
    expect(res.body.status).toBe('official');
    expect(res.body.calendarVersion).not.toBe(before);
  });
});

describe('given a request addressed to Jinan that the province forwarded to a Qingdao provider', () => {
  let api: TestApi;
  let caseId: string;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
    const started = await api.call('POST', '/v1/cases', { as: await api.token('applicant', actors.company.org, actors.company.sub), body: { process: 'unopenedDataRequest', input: startInputs.unopenedDataRequest } });
    caseId = started.body.id;
    const forwarded = await api.call('POST', `/v1/cases/${caseId}/commands`, {
      as: await api.token('authority', '370000-dsj'),
      body: { type: 'PASS_NORMATIVE_REVIEW', data: { providerOrg: '370200-gaj', opinion: '转青岛市公安局论证。' } },
    });
    expect(forwarded.status).toBe(200);
  });
  afterAll(() => api.close());

  // 第十九条: Qingdao's reports count the Qingdao provider's stage on it, so Qingdao may open it; Jinan, where it is addressed, too.
  it.each([
    ['supervisor', '370200-dsj', 200],
    ['auditor', '370200-dsj', 200],
    ['authority', '370200-dsj', 200],
    ['supervisor', '370100-dsj', 200],
    ['provider', '370200-gaj', 200],
    ['supervisor', '370600-dsj', 404],
    ['authority', '370600-dsj', 404],
    ['provider', '370100-gaj', 404],
  ] as const)('then a %s of %s opens it (%i), and finds it in its case list as the case read says', async (role, org, status) => {
    const as = await api.token(role, org);
    expect((await api.call('GET', `/v1/cases/${caseId}`, { as })).status).toBe(status);
    const listed = (await api.call('GET', '/v1/cases?process=unopenedDataRequest', { as })).body.items.map((c: { id: string }) => c.id);
    expect(listed.includes(caseId)).toBe(status === 200);
  });

  it('then the Qingdao supervisor’s overdue report, once the provider is late, names a case that supervisor can open', async () => {
    await api.call('PUT', '/v1/test/clock', { as: await api.token('admin', '370000-dsj'), body: { now: '2026-05-01T02:00:00Z' } });
    const as = await api.token('supervisor', '370200-dsj');
    const report = await api.call('GET', '/v1/reports/overdue?process=unopenedDataRequest', { as });
    expect(report.body.items.map((i: { caseId: string }) => i.caseId)).toContain(caseId);
    expect((await api.call('GET', `/v1/cases/${caseId}`, { as })).status).toBe(200);
  });
});

describe('an applicant filing under another party’s identity (第十三条(一): 实名认证)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ now: '2026-03-02T02:00:00Z' });
  });
  afterAll(() => api.close());

  const start = async (org: string, process: 'conditionalApplication' | 'unopenedDataRequest', applicant: unknown) =>
    api.call('POST', '/v1/cases', { as: await api.token('applicant', org), body: { process, input: { ...startInputs[process], applicant } } });

  it.each(['conditionalApplication', 'unopenedDataRequest'] as const)('%s: a Yantai company’s token naming the Jinan company in the form is refused with 422 applicantIsSender; the Jinan company’s own is accepted', async (process) => {
    const company = startInputs[process].applicant;
    const refused = await start('91370600MA5H9XRR3R', process, company);
    // Each process's own article: 第十三条 governs conditional applications only
    expect([refused.status, refused.body.rule, refused.body.article]).toEqual([422, 'applicantIsSender', process === 'conditionalApplication' ? '第十三条(一)' : '第十五条、附录7']);
    expect((await start(company.creditCode, process, company)).status).toBe(201);
  });

  it('a person whose token names their ID number may apply only as that person; a sender known by another kind of code is not compared', async () => {
    const person = { ...personApplicant, contact: { ...personApplicant.contact, email: 'liming@example.cn' } };
    expect((await start('11010519491231002X', 'unopenedDataRequest', person)).body.rule).toBe('applicantIsSender');
    expect((await start(personApplicant.idNumber, 'unopenedDataRequest', person)).status).toBe(201);
    expect((await start('person-u-liming', 'unopenedDataRequest', person)).status).toBe(201);
    // Nor may a person's token file as a company.
    expect((await start(personApplicant.idNumber, 'conditionalApplication', startInputs.conditionalApplication.applicant)).body.rule).toBe('applicantIsSender');
  });

  it('a token naming the code in another spelling (lower case, padded, full-width) is read as the code itself, the case filed with the party’s others; one with a space inside is another code, refused', async () => {
    const company = startInputs.conditionalApplication.applicant;
    for (const org of [company.creditCode.toLowerCase(), ` ${company.creditCode} `, '９１３７０１００MA3C8K2D0E']) {
      const started = await start(org, 'conditionalApplication', company);
      expect([org, started.status]).toEqual([org, 201]);
      const read = await api.call('GET', `/v1/cases/${started.body.id}`, { as: await api.token('applicant', company.creditCode) });
      expect([org, read.status]).toEqual([org, 200]);
    }
    const spaced = `${company.creditCode.slice(0, 6)} ${company.creditCode.slice(6)}`;
    expect((await start(spaced, 'conditionalApplication', company)).body.rule).toBe('applicantIsSender');
  });

  it('an objection from a token naming an ID number with a lower-case x is the person’s (masked in the summary, found by their code), not an organisation’s', async () => {
    const idNumber = '11010519491231002X';
    const input = { datasetRef: 'DS-1', datasetName: '测试数据集', providerOrg: '370100-gaj', kind: 'error', description: '数据有误' };
    const started = await api.call('POST', '/v1/cases', { as: await api.token('applicant', idNumber.toLowerCase()), body: { process: 'objection', input } });
    expect(started.status).toBe(201);
    const read = await api.call('GET', `/v1/cases/${started.body.id}`, { as: await api.token('applicant', idNumber) });
    expect(read.status).toBe(200);
    const listed = await api.call('GET', `/v1/cases?org=${idNumber}`, { as: await api.token('admin', '370000-dsj') });
    expect(listed.body.items.map((c: { id: string }) => c.id)).toContain(started.body.id);
    const row = listed.body.items.find((c: { id: string }) => c.id === started.body.id);
    expect(row.summary.applicant).toBe('个人（身份证号 110*************2X）');
  });
});
