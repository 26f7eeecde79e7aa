/**
 * `npm run diagrams`: writes each process's Mermaid state diagram, BPMN 2.0 XML and an SVG
 * rendering to docs/processes/, all generated from the machines themselves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DEADLINE_RULES } from '../calendars/index.js';
import { toBpmn, toMermaid } from '../machines/describe.js';
import { registry } from '../machines/registry.js';
import { argsOrExit } from './config.js';
import { toSvg } from './svg.js';

const out = 'docs/processes';
const USAGE = `用法：npm run diagrams   由 machines/ 中的流程定义生成 Mermaid、BPMN 2.0 和 SVG 流程图，写入 ${out}/（覆盖原有文件）`;

argsOrExit(USAGE);

mkdirSync(out, { recursive: true });
const index: string[] = ['# 流程图', '', '由 `npm run diagrams` 从 `machines/` 生成；请勿手工修改。', ''];
for (const name of registry.names()) {
  const def = registry.latest(name)!;
  writeFileSync(join(out, `${name}.mmd`), `${toMermaid(def, DEFAULT_DEADLINE_RULES)}\n`);
  writeFileSync(join(out, `${name}.bpmn`), toBpmn(def, DEFAULT_DEADLINE_RULES));
  writeFileSync(join(out, `${name}.svg`), toSvg(def));
  index.push(`## ${def.title}（\`${name}\` v${def.version}）`, '', `![${def.title}](${name}.svg)`, '', `[BPMN 2.0](${name}.bpmn) · [Mermaid](${name}.mmd)`, '');
  process.stderr.write(`✓ ${name}: ${name}.mmd, ${name}.bpmn, ${name}.svg\n`);
}
writeFileSync(join(out, 'README.md'), index.join('\n'));
process.stderr.write(`已写入 ${out}/\n`);
