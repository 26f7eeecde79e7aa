/**
 * The processes by name and version. A case is folded with the version it started on for ever,
 * so a new version of a process is registered beside the old ones, never instead of them.
 */
import { conditionalApplication, conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, conditionalApplicationV7, conditionalApplicationV8, conditionalApplicationV9, conditionalApplicationV10, conditionalApplicationV11, conditionalApplicationV12, conditionalApplicationV13 } from './conditionalApplication.js';
import { datasetRelease, datasetReleaseV1, datasetReleaseV2, datasetReleaseV3, datasetReleaseV4 } from './datasetRelease.js';
import { allCommands, transitions } from './describe.js';
import { listAdjustment, listAdjustmentV1 } from './listAdjustment.js';
import { objection } from './objection.js';
import type { ProcessDefinition } from './types.js';
import { unopenedDataRequest } from './unopenedDataRequest.js';

export class ProcessRegistry {
  readonly #byName = new Map<string, Map<number, ProcessDefinition>>();

  constructor(definitions: Iterable<ProcessDefinition> = []) {
    for (const def of definitions) this.register(def);
  }

  /** Adds a version of a process; a registered version never changes. */
  register(def: ProcessDefinition): this {
    if (!Number.isInteger(def.version) || def.version < 1) {
      throw new RangeError(`流程 ${def.name} 的版本应为正整数：${def.version}`);
    }
    const versions = this.#byName.get(def.name) ?? new Map<number, ProcessDefinition>();
    if (versions.has(def.version)) throw new Error(`流程 ${def.name} 的第 ${def.version} 版已登记`);
    // Every command the chart takes must be in the catalogue (schema, actors), and every catalogued command in the chart.
    const charted = new Set(transitions(def).map((t) => t.command));
    const catalogued = new Set(allCommands(def));
    const missing = [...charted].filter((c) => !catalogued.has(c));
    const unused = [...catalogued].filter((c) => !charted.has(c));
    if (missing.length > 0 || unused.length > 0) {
      throw new Error(`流程 ${def.name} v${def.version} 的状态图与命令目录不一致：缺少 ${missing.join('、') || '无'}；未使用 ${unused.join('、') || '无'}`);
    }
    versions.set(def.version, def);
    this.#byName.set(def.name, versions);
    return this;
  }

  get(name: string, version: number): ProcessDefinition | undefined {
    return this.#byName.get(name)?.get(version);
  }

  /** The newest version: new cases start on it. */
  latest(name: string): ProcessDefinition | undefined {
    const versions = this.#byName.get(name);
    if (!versions) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }

  /** Every registered version, by name then version. */
  list(): ProcessDefinition[] {
    return this.names().flatMap((name) =>
      [...(this.#byName.get(name)?.values() ?? [])].sort((a, b) => a.version - b.version),
    );
  }
}

/** The processes of 鲁数发〔2022〕15号. */
export const registry = new ProcessRegistry([datasetReleaseV1, datasetReleaseV2, datasetReleaseV3, datasetReleaseV4, datasetRelease, conditionalApplicationV1, conditionalApplicationV2, conditionalApplicationV3, conditionalApplicationV4, conditionalApplicationV5, conditionalApplicationV6, conditionalApplicationV7, conditionalApplicationV8, conditionalApplicationV9, conditionalApplicationV10, conditionalApplicationV11, conditionalApplicationV12, conditionalApplicationV13, conditionalApplication, unopenedDataRequest, listAdjustmentV1, listAdjustment, objection]);
