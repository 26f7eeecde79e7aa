/**
 * Given the five registered processes, when a client asks for them over HTTP, then it gets every
 * state, command and deadline, and diagrams generated from the machines: Mermaid, and BPMN 2.0
 * that bpmn-moddle (the library bpmn.io modellers use) reads without a warning.
 */
// @ts-expect-error bpmn-moddle ships no types for its main entry
import { BpmnModdle } from 'bpmn-moddle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../machines/registry.js';
import { allCommands, allStates } from '../../machines/describe.js';
import { startTestApi, type TestApi } from './harness.js';

describe('GET /v1/processes and diagrams', () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi();
    token = await api.token('applicant', 'person-1');
  });
  afterAll(() => api.close());

  it('lists every process with its states, commands and deadlines', async () => {
    const res = await api.call('GET', '/v1/processes', { as: token });
    expect(res.status).toBe(200);
    // Every version a case may be on: conditionalApplication's first is still folded for the cases started on it.
    expect(res.body.map((p: { name: string; version: number }) => `${p.name}@${p.version}`).sort()).toEqual(
      ['conditionalApplication@1', 'conditionalApplication@10', 'conditionalApplication@11', 'conditionalApplication@12', 'conditionalApplication@13', 'conditionalApplication@14', 'conditionalApplication@2', 'conditionalApplication@3', 'conditionalApplication@4', 'conditionalApplication@5', 'conditionalApplication@6', 'conditionalApplication@7', 'conditionalApplication@8', 'conditionalApplication@9', 'datasetRelease@1', 'datasetRelease@2', 'datasetRelease@3', 'datasetRelease@4', 'datasetRelease@5', 'listAdjustment@1', 'listAdjustment@2', 'objection@1', 'unopenedDataRequest@1'],
    );
    const ca = res.body.find((p: { name: string; version: number }) => p.name === 'conditionalApplication' && p.version === 7);
    expect(ca.states).toEqual(allStates(registry.latest('conditionalApplication')!));
    const normative = ca.deadlines.find((d: { stage: string }) => d.stage === 'normativeReview');
    expect(normative.rule).toMatchObject({ n: 5, unit: 'workingDays', basis: 'statute', article: '第十四条(二)' });
    // From v3 the time to grant access counts from the agreed start of use when that is later (countsFrom); v2's from entry.
    const access = (version: number) => res.body.find((p: { name: string; version: number }) => p.name === 'conditionalApplication' && p.version === version).deadlines.find((d: { stage: string }) => d.stage === 'accessPending');
    expect(access(3).rule).toMatchObject({ n: 10, unit: 'workingDays', countsFrom: { field: 'agreement.useFrom', label: '协议约定的使用起始日' } });
    expect(access(2).rule).not.toHaveProperty('countsFrom');
    // From v10 a renewal is reviewed by the end of use at the latest (endsBy); v9's ran its ten working days whatever.
    const renewal = (version: number) => res.body.find((p: { name: string; version: number }) => p.name === 'conditionalApplication' && p.version === version).deadlines.find((d: { stage: string }) => d.stage === 'renewalReview');
    expect(renewal(10).rule).toMatchObject({ n: 10, unit: 'workingDays', endsBy: { field: 'useTo', label: '当前协议有效期届满之日' } });
    expect(renewal(9).rule).not.toHaveProperty('endsBy');
    // From v11 signing is due by the requested end of use, and access by the agreed one (endsBy); v10's ran their ten working days whatever.
    const signing = (version: number) => res.body.find((p: { name: string; version: number }) => p.name === 'conditionalApplication' && p.version === version).deadlines.find((d: { stage: string }) => d.stage === 'agreementPending');
    expect(signing(11).rule).toMatchObject({ n: 10, endsBy: { field: 'input.usePeriod.to', label: '申请的使用终止日' } });
    expect(access(11).rule).toMatchObject({ countsFrom: { field: 'agreement.useFrom' }, endsBy: { field: 'useTo', label: '协议约定的使用终止日' } });
    expect(signing(10).rule).not.toHaveProperty('endsBy');
    expect(access(10).rule).not.toHaveProperty('endsBy');
  });

  it('says which tasks are listed first though they have no deadline, and which open only for one sender (v13: the provider told of the authority’s suspension)', async () => {
    const res = await api.call('GET', '/v1/processes', { as: token });
    const stage = (version: number, name: string) =>
      res.body.find((p: { name: string; version: number }) => p.name === 'conditionalApplication' && p.version === version).deadlines.find((d: { stage: string }) => d.stage === name);
    expect(stage(13, 'suspensionNotice')).toEqual({ stage: 'suspensionNotice', label: '知悉：主管部门暂停数据开放服务', role: 'provider', scope: 'provider', rule: null, urgent: true, whenSentBy: 'authority' });
    expect(stage(12, 'securityIncidentNotice')).toMatchObject({ urgent: true });
    expect(stage(12, 'securityIncidentNotice')).not.toHaveProperty('whenSentBy');
    expect(stage(14, 'usageNotice')).not.toHaveProperty('urgent');
    expect(stage(14, 'normativeReview')).not.toHaveProperty('urgent');
  });

  for (const def of registry.list()) {
    it(`${def.name} v${def.version}: the BPMN 2.0 export parses as valid BPMN with every state and command`, async () => {
      const res = await api.call('GET', `/v1/processes/${def.name}/diagram?format=bpmn&version=${def.version}`, { as: token });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/xml/);
      const { rootElement, warnings } = await new BpmnModdle().fromXML(res.text);
      expect(warnings).toEqual([]);
      expect(rootElement.$type).toBe('bpmn:Definitions');
      const process = rootElement.rootElements.find((e: { $type: string }) => e.$type === 'bpmn:Process');
      expect(process).toBeDefined();
      expect(rootElement.diagrams.length).toBeGreaterThan(0);
      for (const command of allCommands(def)) expect(res.text).toContain(command);
    });

    it(`${def.name} v${def.version}: the Mermaid export names every state`, async () => {
      const res = await api.call('GET', `/v1/processes/${def.name}/diagram?format=mermaid&version=${def.version}`, { as: token });
      expect(res.status).toBe(200);
      expect(res.text.startsWith('stateDiagram-v2')).toBe(true);
      for (const state of allStates(def)) expect(res.text).toContain(state);
    });
  }

  it('spells out each deadline in the diagrams: the configured number of days and its article, or what the agreement fixes — never a configuration key', async () => {
    const mermaid = (await api.call('GET', '/v1/processes/conditionalApplication/diagram', { as: token })).text;
    expect(mermaid).toContain('note right of normativeReview: 时限：5 个工作日（法定时限，第十四条(二)）');
    expect(mermaid).toContain('note right of agreementPending: 时限：10 个工作日（平台政策默认时限，至迟于申请的使用终止日）');
    expect(mermaid).toContain('note right of destructionPending: 时限：协议约定的销毁时长，按日历日计（附录5 协议二(二)）');
    const bpmn = (await api.call('GET', '/v1/processes/unopenedDataRequest/diagram?format=bpmn', { as: token })).text;
    expect(bpmn).toContain('时限：15 个工作日（法定时限，第十五条）');
    for (const def of registry.list()) {
      const text = (await api.call('GET', `/v1/processes/${def.name}/diagram?version=${def.version}`, { as: token })).text;
      expect(text, def.name).not.toMatch(/按配置|agreement\./);
    }
  });

  it('answers 404 for a version a process does not have, saying which versions it has', async () => {
    const res = await api.call('GET', '/v1/processes/objection/diagram?version=99', { as: token });
    expect(res.status).toBe(404);
    expect(registry.latest('objection')!.version).toBe(1);
    expect(res.body.detail).toBe('流程 objection 没有第 99 版（只有第 1 版）');
    const two = await api.call('GET', '/v1/processes/conditionalApplication/diagram?version=99', { as: token, headers: { 'accept-language': 'en' } });
    expect(two.body.detail).toBe(`process conditionalApplication has no version 99 (versions 1–${registry.latest('conditionalApplication')!.version})`);
  });

  it('answers 404 for a process that does not exist', async () => {
    const res = await api.call('GET', '/v1/processes/nope/diagram', { as: token });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});
