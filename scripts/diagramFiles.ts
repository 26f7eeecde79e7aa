/**
 * What `npm run diagrams` writes to docs/processes/: each process's Mermaid state diagram, BPMN 2.0
 * XML and SVG rendering (its newest version), and the README that shows them — generated from the
 * machines, so a test can hold the committed files to them.
 */
import { DEFAULT_DEADLINE_RULES } from '../calendars/index.js';
import { toBpmn, toMermaid } from '../machines/describe.js';
import type { ProcessRegistry } from '../machines/registry.js';
import { toSvg } from './svg.js';

export const DIAGRAMS_FOLDER = 'docs/processes';

/** The files, by name in the folder, with their text. */
export function diagramFiles(registry: ProcessRegistry): [name: string, text: string][] {
  const files: [name: string, text: string][] = [];
  const index: string[] = ['# 流程图', '', '由 `npm run diagrams` 从 `machines/` 生成；请勿手工修改。', ''];
  for (const name of registry.names()) {
    const def = registry.latest(name)!;
    files.push(
      [`${name}.mmd`, `${toMermaid(def, DEFAULT_DEADLINE_RULES)}\n`],
      [`${name}.bpmn`, toBpmn(def, DEFAULT_DEADLINE_RULES)],
      [`${name}.svg`, toSvg(def, DEFAULT_DEADLINE_RULES)],
    );
    index.push(`## ${def.title}（\`${name}\` v${def.version}）`, '', `![${def.title}](${name}.svg)`, '', `[BPMN 2.0](${name}.bpmn) · [Mermaid](${name}.mmd)`, '');
  }
  files.push(['README.md', index.join('\n')]);
  return files;
}
