/**
 * `npm run diagrams`: writes each process's Mermaid state diagram, BPMN 2.0 XML and an SVG
 * rendering to docs/processes/, all generated from the machines themselves.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry } from '../machines/registry.js';
import { argsOrExit } from './config.js';
import { DIAGRAMS_FOLDER, diagramFiles } from './diagramFiles.js';

const out = DIAGRAMS_FOLDER;
const USAGE = `用法：npm run diagrams   由 machines/ 中的流程定义生成 Mermaid、BPMN 2.0 和 SVG 流程图，写入 ${out}/（覆盖原有文件）`;

argsOrExit(USAGE);

/** Why a file could not be written, in Chinese. */
function whyNot(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return '没有写入权限，或文件被设为不可改动';
  if (code === 'ENOSPC') return '磁盘已满';
  if (code === 'EROFS') return '文件系统只读';
  if (code === 'ENOTDIR' || code === 'EEXIST') return `${out} 不是文件夹`;
  return code ?? (err as Error).message;
}

/** Says why `path` could not be written, and ends with exit 1. */
function refuse(path: string, err: unknown, kept: boolean): never {
  process.stderr.write(`流程图未写入：无法写入 ${path}（${whyNot(err)}）${kept ? `：${out}/ 中原有的文件未改动` : ''}\n`);
  process.exit(1);
}

const files = diagramFiles(registry);

try {
  mkdirSync(out, { recursive: true });
} catch (err) {
  refuse(out, err, true);
}
// Every file or none: each is written beside its old one first, and put in its place once all are.
// Written in place, a full disk left a BPMN file of 0 bytes and a set of old and new files.
const temporary = (name: string) => join(out, `.${name}.${process.pid}.tmp`);
for (const [i, [name, text]] of files.entries()) {
  try {
    writeFileSync(temporary(name), text);
  } catch (err) {
    for (const [written] of files.slice(0, i + 1)) rmSync(temporary(written), { force: true });
    refuse(join(out, name), err, true);
  }
}
for (const [name] of files) {
  try {
    renameSync(temporary(name), join(out, name));
  } catch (err) {
    for (const [left] of files) rmSync(temporary(left), { force: true });
    refuse(join(out, name), err, false);
  }
}
for (const name of registry.names()) process.stderr.write(`✓ ${name}: ${name}.mmd, ${name}.bpmn, ${name}.svg\n`);
process.stderr.write(`已写入 ${out}/\n`);
