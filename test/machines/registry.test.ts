/** Processes by name and version: new versions are added beside the old, which cases keep. */
import { describe, expect, it } from 'vitest';
import { conditionalApplication, conditionalApplicationV1 } from '../../machines/conditionalApplication.js';
import { datasetRelease, datasetReleaseV1, datasetReleaseV4 } from '../../machines/datasetRelease.js';
import { listAdjustment, listAdjustmentV1 } from '../../machines/listAdjustment.js';
import { objection } from '../../machines/objection.js';
import { ProcessRegistry, registry } from '../../machines/registry.js';
import type { ProcessDefinition } from '../../machines/types.js';

const v2 = (def: ProcessDefinition): ProcessDefinition => ({ ...def, version: 2, title: `${def.title}（修订）` });

describe('the registry of 鲁数发〔2022〕15号', () => {
  it('holds the five processes, conditionalApplication at versions 1 to 14, datasetRelease at 1 to 5, listAdjustment at 1 and 2', () => {
    expect(registry.names()).toEqual(['conditionalApplication', 'datasetRelease', 'listAdjustment', 'objection', 'unopenedDataRequest']);
    expect(registry.list().map((def) => `${def.name}@${def.version}`)).toEqual([
      'conditionalApplication@1',
      'conditionalApplication@2',
      'conditionalApplication@3',
      'conditionalApplication@4',
      'conditionalApplication@5',
      'conditionalApplication@6',
      'conditionalApplication@7',
      'conditionalApplication@8',
      'conditionalApplication@9',
      'conditionalApplication@10',
      'conditionalApplication@11',
      'conditionalApplication@12',
      'conditionalApplication@13',
      'conditionalApplication@14',
      'datasetRelease@1',
      'datasetRelease@2',
      'datasetRelease@3',
      'datasetRelease@4',
      'datasetRelease@5',
      'listAdjustment@1',
      'listAdjustment@2',
      'objection@1',
      'unopenedDataRequest@1',
    ]);
    expect(registry.get('datasetRelease', 1)).toBe(datasetReleaseV1);
    expect(registry.get('datasetRelease', 4)).toBe(datasetReleaseV4);
    expect(registry.latest('datasetRelease')).toBe(datasetRelease);
    expect(registry.latest('conditionalApplication')).toBe(conditionalApplication);
    expect(registry.get('conditionalApplication', 1)).toBe(conditionalApplicationV1);
    expect(registry.get('listAdjustment', 1)).toBe(listAdjustmentV1);
    expect(registry.latest('listAdjustment')).toBe(listAdjustment);
  });

  it('knows no unknown process or version', () => {
    expect(registry.get('datasetRelease', 6)).toBeUndefined();
    expect(registry.get('openList', 1)).toBeUndefined();
    expect(registry.latest('openList')).toBeUndefined();
  });
});

describe('ProcessRegistry', () => {
  it('keeps every version; new cases start on the latest, old cases find theirs', () => {
    const processes = new ProcessRegistry([objection]).register(v2(objection));
    expect(processes.get('objection', 1)).toBe(objection);
    expect(processes.get('objection', 2)?.version).toBe(2);
    expect(processes.latest('objection')?.version).toBe(2);
    expect(processes.list().map((def) => def.version)).toEqual([1, 2]);
    expect(processes.names()).toEqual(['objection']);
  });

  it('finds the latest version whatever the order of registration', () => {
    const processes = new ProcessRegistry([v2(objection), objection]);
    expect(processes.latest('objection')?.version).toBe(2);
    expect(processes.list().map((def) => def.version)).toEqual([1, 2]);
  });

  it('never replaces a registered version', () => {
    const processes = new ProcessRegistry([objection]);
    expect(() => processes.register({ ...objection })).toThrow('流程 objection 的第 1 版已登记');
    expect(processes.get('objection', 1)).toBe(objection);
  });

  it('refuses a version that is not a positive integer', () => {
    expect(() => new ProcessRegistry([{ ...objection, version: 0 }])).toThrow(RangeError);
    expect(() => new ProcessRegistry([{ ...objection, version: 1.5 }])).toThrow(RangeError);
  });

  it('refuses a definition whose chart and command catalogue disagree', () => {
    const { RESPOND: _respond, ...noCommands } = objection.commands;
    expect(() => new ProcessRegistry([{ ...objection, commands: noCommands }])).toThrow(/缺少 RESPOND/);
    const extra = { ...objection.commands, ESCALATE: { ...objection.commands.RESPOND!, event: 'Escalated' } };
    expect(() => new ProcessRegistry([{ ...objection, commands: extra }])).toThrow(/未使用 ESCALATE/);
  });
});
