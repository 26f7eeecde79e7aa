/**
 * What civil servants and companies really type: Chinese input methods (full-width digits and
 * letters, U+3000), and pastes from Word, Excel and web pages (zero-width spaces, BOMs, soft hyphens,
 * names in NFD from a macOS file name). A value that is obviously the same to its writer is stored
 * as the canonical one, or refused with a Chinese message that says what is wrong — never stored so
 * that a later comparison (a desensitization rule's field, the directory, a filter) silently misses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInputs } from '../machines/examples.js';
import { startTestApi, type TestApi } from './harness.js';

let api: TestApi;
let provider: string;
let company: string;
beforeAll(async () => {
  api = await startTestApi({ now: '2025-03-03T01:30:00.000Z' });
  provider = await api.token('provider', '370100-gaj');
  company = await api.token('applicant', '91370100MA3C8K2D0E');
});
afterAll(() => api.close());

const start = (as: string, process: keyof typeof startInputs, input: Record<string, unknown>) =>
  api.call('POST', '/v1/cases', { as, body: { process, input: { ...startInputs[process], ...input } } });

describe('invisible characters and other spellings of the same text, pasted into a form', () => {
  it('given a catalogue field pasted from Word as 身份证号 + zero-width space, when the provider sets a rule for 身份证号, then the rule names that field', async () => {
    const entry = await start(provider, 'datasetRelease', { containsPersonalInfo: true, fields: [{ name: '身份证号\u200b' }, { name: '\u00ad姓名\u2060' }] });
    expect(entry.status).toBe(201);
    expect(entry.body.input.fields).toEqual([{ name: '身份证号' }, { name: '姓名' }]);

    const rules = await api.call('POST', `/v1/cases/${entry.body.id}/commands`, {
      as: provider,
      body: { type: 'SET_DESENSITIZATION_RULES', data: { rules: [{ field: '身份证号', method: 'mask' }, { field: '姓名', method: 'generalize' }] } },
    });
    expect([rules.status, rules.body.detail]).toEqual([200, undefined]);
    expect((await api.call('GET', `/v1/cases/${entry.body.id}/verify`, { as: provider })).body.ok).toBe(true);
  });

  it('given a field name in NFD (copied from a macOS file name), when a rule names it in NFC as typed, then it is the same field', async () => {
    const nfd = 'Lu\u0308 姓氏拼音'; // "Lü" decomposed
    const entry = await start(provider, 'datasetRelease', { containsPersonalInfo: true, fields: [{ name: nfd }] });
    expect(entry.body.input.fields).toEqual([{ name: nfd.normalize('NFC') }]);
    const rules = await api.call('POST', `/v1/cases/${entry.body.id}/commands`, {
      as: provider,
      body: { type: 'SET_DESENSITIZATION_RULES', data: { rules: [{ field: 'Lü 姓氏拼音', method: 'remove' }] } },
    });
    expect(rules.status).toBe(200);
  });

  it('given a provider code pasted with a zero-width space, when an application names it, then it is the provider of the directory, not a 422 quoting an invisible character', async () => {
    const res = await start(company, 'conditionalApplication', { resource: { ...startInputs.conditionalApplication.resource, providerOrg: '370100-gaj\u200b' } });
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    expect(res.body.input.resource.providerOrg).toBe('370100-gaj');
  });

  it('given a 统一社会信用代码 pasted from Excel with a zero-width space after it, then it is the code', async () => {
    const applicant = { ...startInputs.conditionalApplication.applicant, creditCode: '\u200b91370100MA3C8K2D0E\u200b' };
    const res = await start(company, 'conditionalApplication', { applicant });
    expect([res.status, res.body.errors]).toEqual([201, undefined]);
    expect(res.body.input.applicant.creditCode).toBe('91370100MA3C8K2D0E');
  });
});

describe('codes and dates typed with a Chinese input method', () => {
  it('given a region code typed full-width (３７０１００) or pasted with a zero-width space, then it is the region 370100', async () => {
    const entry = await start(provider, 'datasetRelease', { coverage: { region: '３７０１００', period: { from: '2020-01-01', to: '2024-12-31' } } });
    expect([entry.status, entry.body.input.coverage.region]).toEqual([201, '370100']);
    const request = await start(company, 'unopenedDataRequest', { addressedRegion: '３７０１００\u200b', coverage: { region: '\u200b370100' } });
    expect([request.status, request.body.errors]).toEqual([201, undefined]);
    expect([request.body.input.addressedRegion, request.body.input.coverage.region]).toEqual(['370100', '370100']);
  });

  it.each([
    ['a date typed full-width', { usePeriod: { from: '2025-03-01', to: '２０２６－０３－３１' } }, 'usePeriod.to', '应为有效日期，格式 YYYY-MM-DD（含有全角字符，须用半角输入）', 'must be a real date, written YYYY-MM-DD (it holds full-width characters: type it half-width)'],
    ['a date pasted from Excel with a trailing space', { usePeriod: { from: '2025-03-01 ', to: '2026-03-31' } }, 'usePeriod.from', '应为有效日期，格式 YYYY-MM-DD（首尾含有空格或不可见字符）', 'must be a real date, written YYYY-MM-DD (it begins or ends with a space or an invisible character)'],
    ['an e-mail address typed with a full-width ＠', { applicant: { ...startInputs.conditionalApplication.applicant, contact: { ...startInputs.conditionalApplication.applicant.contact, email: 'sunli＠sdszkj.com.cn' } } }, 'applicant.contact.email', '电子邮箱格式不正确（含有全角字符，须用半角输入）', 'is not a valid e-mail address (it holds full-width characters: type it half-width)'],
    ['an e-mail address pasted with a zero-width space', { applicant: { ...startInputs.conditionalApplication.applicant, contact: { ...startInputs.conditionalApplication.applicant.contact, email: 'sunli@sdszkj.com.cn\u200b' } } }, 'applicant.contact.email', '电子邮箱格式不正确（首尾含有空格或不可见字符）', 'is not a valid e-mail address (it begins or ends with a space or an invisible character)'],
    ['an e-mail address ended with a Chinese full stop', { applicant: { ...startInputs.conditionalApplication.applicant, contact: { ...startInputs.conditionalApplication.applicant.contact, email: 'sunli@sdszkj.com.cn。' } } }, 'applicant.contact.email', '电子邮箱格式不正确（含有全角字符，须用半角输入）', 'is not a valid e-mail address (it holds full-width characters: type it half-width)'],
    ['an instant typed full-width', { securityCommitment: { signed: true, signedAt: '２０２５-03-02T08:00:00+08:00', signatory: '孙丽' } }, 'securityCommitment.signedAt', '应为带 Z 或时区偏移的 ISO-8601 时刻，如北京时间 2024-05-06T08:00:00+08:00（含有全角字符，须用半角输入）', 'must be an ISO-8601 instant with Z or an offset, e.g. 2024-05-06T08:00:00+08:00 in Beijing time (it holds full-width characters: type it half-width)'],
    ['an instant pasted from a spreadsheet, a space for the T', { securityCommitment: { signed: true, signedAt: '2025-03-02 08:00:00+08:00', signatory: '孙丽' } }, 'securityCommitment.signedAt', '应为带 Z 或时区偏移的 ISO-8601 时刻，如北京时间 2024-05-06T08:00:00+08:00（日期与时间之间应为 T，不能是空格）', 'must be an ISO-8601 instant with Z or an offset, e.g. 2024-05-06T08:00:00+08:00 in Beijing time (the date and the time must be joined by T, not a space)'],
    ['a service mode pasted with a trailing space', { resource: { ...startInputs.conditionalApplication.resource, serviceMode: 'api ' } }, 'resource.serviceMode', '应为以下之一：api、file、privacyComputing、other（首尾含有空格或不可见字符）', 'must be one of: api, file, privacyComputing, other (it begins or ends with a space or an invisible character)'],
  ])('given %s, then it is refused with a message that says why it is wrong, in Chinese and in English', async (_what, input, path, zh, en) => {
    const res = await start(company, 'conditionalApplication', input);
    expect([res.status, res.body.errors]).toEqual([400, [{ path, message: zh }]]);
    const english = await api.call('POST', '/v1/cases', { as: company, body: { process: 'conditionalApplication', input: { ...startInputs.conditionalApplication, ...input } }, headers: { 'accept-language': 'en' } });
    expect(english.body.errors).toEqual([{ path, message: en }]);
  });
});

describe('codes pasted into a filter or an address', () => {
  it('given an organisation code pasted from an Excel cell (a trailing space, U+3000, a zero-width space, full-width), when a supervisor filters by it, then the filter finds what the code finds', async () => {
    const supervisor = await api.token('supervisor', '370100-dsj');
    const objection = await start(company, 'objection', {});
    expect(objection.status).toBe(201);
    await api.call('PUT', '/v1/test/clock', { as: await api.token('admin', '370000-dsj'), body: { now: '2025-04-30T01:30:00.000Z' } });

    const exact = await api.call('GET', '/v1/cases?org=370100-gaj', { as: supervisor });
    const overdue = await api.call('GET', '/v1/reports/overdue?org=370100-gaj', { as: supervisor });
    expect(exact.body.items.length).toBeGreaterThan(0);
    expect(overdue.body.items.length).toBeGreaterThan(0);
    for (const pasted of ['370100-gaj%20', '370100-gaj%E3%80%80', '%E2%80%8B370100-gaj', '%EF%BC%93%EF%BC%97%EF%BC%90%EF%BC%91%EF%BC%90%EF%BC%90-gaj']) {
      const list = await api.call('GET', `/v1/cases?org=${pasted}`, { as: supervisor });
      expect([pasted, list.status, list.body.items?.map((c: { id: string }) => c.id)]).toEqual([pasted, 200, exact.body.items.map((c: { id: string }) => c.id)]);
      const report = await api.call('GET', `/v1/reports/overdue?org=${pasted}`, { as: supervisor });
      expect([pasted, report.status, report.body.items?.length]).toEqual([pasted, 200, overdue.body.items.length]);
    }
    const region = await api.call('GET', '/v1/reports/overdue?region=%EF%BC%93%EF%BC%97%EF%BC%90%EF%BC%91%EF%BC%90%EF%BC%90', { as: supervisor });
    expect([region.status, region.body.items?.length]).toEqual([200, (await api.call('GET', '/v1/reports/overdue?region=370100', { as: supervisor })).body.items.length]);
  });

  it('given a case id pasted with a space or a zero-width space from its cell, then it is the case, not 404', async () => {
    const objection = await start(company, 'objection', {});
    for (const pasted of [`${objection.body.id}%20`, `%E2%80%8B${objection.body.id}`]) {
      const res = await api.call('GET', `/v1/cases/${pasted}`, { as: company });
      expect([res.status, res.body.id]).toEqual([200, objection.body.id]);
    }
  });

  it('given a natural person’s ID number typed full-width, then the report filter refuses it as it refuses the ID number', async () => {
    const supervisor = await api.token('supervisor', '370100-dsj');
    const res = await api.call('GET', `/v1/reports/overdue?org=${encodeURIComponent('３７０１０２１９８８０３１５１２３１')}`, { as: supervisor });
    expect([res.status, res.body.errors]).toEqual([400, [{ path: 'querystring.org', message: '不能按自然人的身份证号筛选：报表只显示自然人的脱敏编码' }]]);
  });
});

describe('the same field named twice in a catalogue entry (第九条(一) 确定脱敏规则)', () => {
  it('given two fields 姓名 — one pasted with a zero-width space, one in NFD — then the entry is refused naming the field, not stored with a rule that covers one of them', async () => {
    for (const fields of [[{ name: '姓名' }, { name: '姓名' }], [{ name: '姓名' }, { name: '姓名\u200b' }], [{ name: 'Lü' }, { name: 'Lu\u0308' }]]) {
      const res = await start(provider, 'datasetRelease', { fields });
      expect([res.status, res.body.errors]).toEqual([400, [{ path: 'fields', message: `字段名称不得重复：${fields[0]!.name}` }]]);
    }
  });

  it('given an entry with a field 身份证号, when one UPDATE_DRAFT lists it twice, or rules mask and remove it both, then each is refused naming it, in Chinese and in English', async () => {
    const entry = await start(provider, 'datasetRelease', { containsPersonalInfo: true, fields: [{ name: '身份证号' }, { name: '姓名' }] });
    const send = (type: string, data: unknown, headers?: Record<string, string>) =>
      api.call('POST', `/v1/cases/${entry.body.id}/commands`, { as: provider, body: { type, data }, ...(headers ? { headers } : {}) });

    const update = await send('UPDATE_DRAFT', { fields: [{ name: '身份证号' }, { name: '身份证号 ' }] });
    expect([update.status, update.body.errors]).toEqual([400, [{ path: 'fields', message: '字段名称不得重复：身份证号' }]]);

    const twice = { rules: [{ field: '身份证号', method: 'mask' }, { field: '姓名', method: 'generalize' }, { field: '身份证号', method: 'remove' }] };
    const rules = await send('SET_DESENSITIZATION_RULES', twice);
    expect([rules.status, rules.body.errors]).toEqual([400, [{ path: 'rules', message: '同一字段只能有一条脱敏规则：身份证号' }]]);
    const english = await send('SET_DESENSITIZATION_RULES', twice, { 'accept-language': 'en' });
    expect(english.body.errors).toEqual([{ path: 'rules', message: 'a field may have one desensitization rule only; more than one for: 身份证号' }]);
    expect((await api.call('GET', `/v1/cases/${entry.body.id}`, { as: provider })).body.revision).toBe(0);
  });
});

describe('a telephone number typed with a Chinese input method', () => {
  it('given the applicant’s phone typed full-width (（０５３１）８８６６１２３４转８００１), then it is stored half-width, extension and all', async () => {
    const contact = { ...startInputs.unopenedDataRequest.applicant.contact, phone: '（０５３１）８８６６１２３４转８００１' };
    const res = await start(company, 'unopenedDataRequest', { applicant: { ...startInputs.unopenedDataRequest.applicant, contact } });
    expect([res.status, res.body.input?.applicant.contact.phone]).toEqual([201, '(0531)88661234转8001']);
    const mobile = await start(company, 'conditionalApplication', {
      applicant: { ...startInputs.conditionalApplication.applicant, contact: { ...startInputs.conditionalApplication.applicant.contact, phone: '１３８　０５３１　０００１' } },
    });
    expect(mobile.body.input?.applicant.contact.phone).toBe('138 0531 0001');
  });
});

describe('an organisation code typed full-width in a form (第四条: the provider of the directory)', () => {
  it('given an application, an objection and a catalogue entry naming the provider as ３７０１００－ｇａｊ, then each names 370100-gaj', async () => {
    const code = '３７０１００－ｇａｊ';
    const application = await start(company, 'conditionalApplication', { resource: { ...startInputs.conditionalApplication.resource, providerOrg: code } });
    expect([application.status, application.body.detail, application.body.input?.resource.providerOrg]).toEqual([201, undefined, '370100-gaj']);
    const objection = await start(company, 'objection', { providerOrg: code });
    expect([objection.status, objection.body.input?.providerOrg]).toEqual([201, '370100-gaj']);
    const entry = await start(provider, 'datasetRelease', { providerOrg: code });
    expect([entry.status, entry.body.detail, entry.body.input?.providerOrg]).toEqual([201, undefined, '370100-gaj']);
  });

  it('given a catalogue entry naming its own provider as 370100-GAJ (capitals), then 422 providerInDirectory says the code is 370100-gaj — not 403 “your role or organisation may not start”', async () => {
    const entry = await start(provider, 'datasetRelease', { providerOrg: '370100-GAJ' });
    expect([entry.status, entry.body.rule]).toEqual([422, 'providerInDirectory']);
    expect(entry.body.detail).toContain('机构目录中没有编码为 370100-GAJ 的公共数据开放主体：机构代码区分大小写，应为 370100-gaj');
    const en = await api.call('POST', '/v1/cases', { as: provider, headers: { 'accept-language': 'en' }, body: { process: 'datasetRelease', input: { ...startInputs.datasetRelease, providerOrg: '370100-GAJ' } } });
    expect(en.body.detail).toContain('codes are case-sensitive, it is 370100-gaj');
  });

  it('given an unopened-data request, when the authority forwards it to ３７０１００－ｇａｊ, then the provider 370100-gaj has the task', async () => {
    const request = await start(company, 'unopenedDataRequest', {});
    const authority = await api.token('authority', '370100-dsj');
    const forwarded = await api.call('POST', `/v1/cases/${request.body.id}/commands`, {
      as: authority,
      body: { type: 'PASS_NORMATIVE_REVIEW', data: { providerOrg: '３７０１００－ｇａｊ', opinion: '材料齐全' } },
    });
    expect([forwarded.status, forwarded.body.detail]).toEqual([200, undefined]);
    const view = await api.call('GET', `/v1/cases/${request.body.id}`, { as: provider });
    expect(view.body.tasks.map((t: { org: string }) => t.org)).toEqual(['370100-gaj']);
  });
});

describe('a case id pasted into a form (第十五条: the release that opens requested data)', () => {
  it('given a request to be opened, when the provider names the release case pasted in capitals with a zero-width space, then it is that case', async () => {
    const release = await start(provider, 'datasetRelease', {});
    const request = await start(company, 'unopenedDataRequest', {});
    const authority = await api.token('authority', '370100-dsj');
    const send = (as: string, type: string, data: unknown) => api.call('POST', `/v1/cases/${request.body.id}/commands`, { as, body: { type, data } });
    expect((await send(authority, 'PASS_NORMATIVE_REVIEW', { providerOrg: '370100-gaj' })).status).toBe(200);
    expect((await send(provider, 'CONCLUDE_OPENABLE', { plan: '纳入本年度开放清单，三个月内开放。' })).status).toBe(200);

    const marked = await send(provider, 'MARK_OPENED', { datasetReleaseCaseId: `${String(release.body.id).toUpperCase()}\u200b` });
    expect([marked.status, marked.body.detail]).toEqual([200, undefined]);
    const history = await api.call('GET', `/v1/cases/${request.body.id}/history`, { as: provider });
    expect(history.body.events.at(-1).data).toEqual({ datasetReleaseCaseId: release.body.id });
  });
});

describe('the same dataset changed twice in one adjustment of the open list (第八条第二款)', () => {
  it('given changes that add and remove 济南市道路交通事故月度统计 — the second pasted with a zero-width space — then the adjustment is refused naming it, at start and on RESUBMIT, in Chinese and in English', async () => {
    const name = '济南市道路交通事故月度统计';
    const changes = [{ action: 'add', datasetName: name }, { action: 'remove', datasetName: `${name}\u200b` }];
    const res = await start(provider, 'listAdjustment', { changes });
    expect([res.status, res.body.errors]).toEqual([400, [{ path: 'changes', message: `同一数据集只能列一项调整：${name}` }]]);

    const adjustment = await start(provider, 'listAdjustment', {});
    const authority = await api.token('authority', '370100-dsj');
    expect((await api.call('POST', `/v1/cases/${adjustment.body.id}/commands`, { as: authority, body: { type: 'RETURN', data: { opinion: '请补充调整依据' } } })).status).toBe(200);
    const resubmit = await api.call('POST', `/v1/cases/${adjustment.body.id}/commands`, { as: provider, body: { type: 'RESUBMIT', data: { changes } }, headers: { 'accept-language': 'en' } });
    expect([resubmit.status, resubmit.body.errors]).toEqual([400, [{ path: 'changes', message: `a dataset may have one change only; more than one for: ${name}` }]]);
  });
});

describe('a refusal quotes the value sent so that its reader sees what was wrong', () => {
  it('given a form key pasted with a zero-width space, then "不允许的字段" shows it by its code, not as the field the form has', async () => {
    const res = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection', input: { ...startInputs.objection, 'description\u200b': '重复粘贴' } } });
    expect([res.status, res.body.errors]).toEqual([400, [{ path: 'description\u200b', message: '不允许的字段：description<U+200B>' }]]);
  });

  it('given a process name with a trailing space, then the refusal shows the space', async () => {
    const res = await api.call('POST', '/v1/cases', { as: company, body: { process: 'objection ', input: startInputs.objection } });
    expect([res.status, res.body.errors]).toEqual([400, [{ path: 'body.process', message: '未知的流程：“objection ”' }]]);
  });

  it('given a rule naming 身份证号 with a zero-width space inside it, then the refusal shows where', async () => {
    const entry = await start(provider, 'datasetRelease', { containsPersonalInfo: true, fields: [{ name: '身份证号' }] });
    const res = await api.call('POST', `/v1/cases/${entry.body.id}/commands`, {
      as: provider,
      body: { type: 'SET_DESENSITIZATION_RULES', data: { rules: [{ field: '身份\u200b证号', method: 'mask' }] } },
    });
    expect([res.status, res.body.rule]).toEqual([422, 'desensitizedFieldsInDraft']);
    expect(res.body.detail).toContain('身份<U+200B>证号 不在目录中（目录字段：身份证号）');
  });

  it('given a provider code with a zero-width space inside it, then the refusal shows where', async () => {
    const res = await start(company, 'conditionalApplication', { resource: { ...startInputs.conditionalApplication.resource, providerOrg: '370100\u200b-gaj' } });
    expect([res.status, res.body.rule]).toEqual([422, 'providerInDirectory']);
    expect(res.body.detail).toContain('机构目录中没有编码为 370100<U+200B>-gaj 的公共数据开放主体');
  });
});

describe('dates and numbers typed full-width in a query', () => {
  it.each([
    ['/v1/calendar/deadline?from=２０２６-12-02&workingDays=10', 'querystring.from', '应为有效日期（YYYY-MM-DD），或带 Z 或时区偏移的 ISO-8601 时刻（含有全角字符，须用半角输入）'],
    ['/v1/calendar/deadline?from=2026-12-02&workingDays=１０', 'querystring.workingDays', '应为数字（含有全角字符，须用半角输入）'],
    ['/v1/cases?limit=１０', 'querystring.limit', '应为数字（含有全角字符，须用半角输入）'],
    ['/v1/reports/overdue?from=２０２６-01-01T00:00:00Z', 'querystring.from', '应为带 Z 或时区偏移的 ISO-8601 时刻，例如 2026-06-01T00:00:00Z（含有全角字符，须用半角输入）'],
  ])('given %s, then 400 says that full-width characters are why, in Chinese and English', async (url, path, message) => {
    const supervisor = await api.token('supervisor', '370100-dsj');
    const zh = await api.call('GET', encodeURI(url), { as: supervisor });
    expect([zh.status, zh.body.errors]).toEqual([400, [{ path, message }]]);
    const en = await api.call('GET', encodeURI(url), { as: supervisor, headers: { 'accept-language': 'en' } });
    expect(en.body.errors[0].message).toMatch(/\(it holds full-width characters: type it half-width\)$/);
  });
});
