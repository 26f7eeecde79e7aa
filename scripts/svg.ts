/**
 * Renders a process's state chart as a standalone SVG a person can open in any browser: dagre
 * lays the graph out; states show their Chinese label and task, arrows their commands.
 */
import dagre from '@dagrejs/dagre';
import { allStates, commandLabel, deadlineText, type DeadlineRuleTable, finalStates, initialState, senderText, stateLabel, stateTask, transitions } from '../machines/describe.js';
import type { ProcessDefinition } from '../machines/types.js';

const FONT = 13;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Width of a line of text: CJK characters are about a font size wide, others about half. */
const textWidth = (s: string) => [...s].reduce((w, ch) => w + (/[\u2E80-\uFFFF]/.test(ch) ? FONT : FONT * 0.6), 0);

const ROLE: Record<string, string> = { applicant: '利用主体', provider: '开放主体', authority: '主管部门', system: '系统' };

/** `rules` spell out each deadline key, as the Mermaid and BPMN diagrams do. */
export function toSvg(def: ProcessDefinition, rules?: DeadlineRuleTable): string {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 60, edgesep: 20, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));

  const finals = new Set(finalStates(def));
  const arrows = transitions(def);
  const commandText = (command: string) => commandLabel(def, command);
  const lines = new Map<string, string[]>();
  for (const state of allStates(def)) {
    const task = stateTask(def, state);
    // Commands that keep the state are listed inside it: a loop arrow per command would be unreadable.
    // Each says who sends it where the state's task does not (under “开放主体办理”, the applicant's
    // REPORT_USAGE read as the provider's), and the task its deadline, as the Mermaid and BPMN do.
    const loops = [...new Set(arrows.filter((t) => t.from === state && t.to === state).map((t) => `↻ ${commandText(t.command)}${senderText(def, state, t.command)}`))];
    const text = [stateLabel(def, state), state, ...(task ? [`${ROLE[task.role] ?? task.role}办理`, deadlineText(task, rules)] : []), ...loops];
    lines.set(state, text);
    const width = Math.max(...text.map(textWidth)) + 28;
    g.setNode(state, { width, height: text.length * (FONT + 5) + 16 });
  }
  g.setNode('__start', { width: 16, height: 16 });
  g.setEdge('__start', initialState(def), { width: 0, height: 0 }, 'start');

  arrows.forEach((t, i) => {
    if (t.from === t.to) return;
    // Who sends it, as the Mermaid and BPMN arrows say, when the state's task does not say it.
    const label = `${commandText(t.command)}${senderText(def, t.from, t.command)}`;
    g.setEdge(t.from, t.to, { label, width: textWidth(label) + 8, height: FONT + 6, labelpos: 'c' }, `e${i}`);
  });
  dagre.layout(g);

  const { width = 0, height = 0 } = g.graph();
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif" font-size="${FONT}">`,
    `<title>${esc(`${def.title}（${def.name} v${def.version}）`)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    '<rect width="100%" height="100%" fill="#fff"/>',
  ];
  for (const e of g.edges()) {
    const edge = g.edge(e) as { points: { x: number; y: number }[]; label?: string; x?: number; y?: number };
    const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>`);
    if (edge.label && edge.x !== undefined && edge.y !== undefined) {
      const w = textWidth(edge.label) + 8;
      parts.push(`<rect x="${(edge.x - w / 2).toFixed(1)}" y="${(edge.y - FONT / 2 - 4).toFixed(1)}" width="${w.toFixed(1)}" height="${FONT + 6}" fill="#fff" opacity="0.9"/>`);
      parts.push(`<text x="${edge.x.toFixed(1)}" y="${(edge.y + FONT / 2 - 2).toFixed(1)}" text-anchor="middle" fill="#333">${esc(edge.label)}</text>`);
    }
  }
  for (const name of g.nodes()) {
    const n = g.node(name) as { x: number; y: number; width: number; height: number };
    if (name === '__start') {
      parts.push(`<circle cx="${n.x}" cy="${n.y}" r="8" fill="#333"/>`);
      continue;
    }
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    const task = stateTask(def, name);
    const fill = finals.has(name) ? '#eef5ee' : task ? '#eef3fb' : '#f7f7f7';
    parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.width.toFixed(1)}" height="${n.height.toFixed(1)}" rx="10" fill="${fill}" stroke="#335" stroke-width="${finals.has(name) ? 3 : 1.3}"/>`);
    (lines.get(name) ?? []).forEach((line, i) => {
      const style = i === 0 ? ' font-weight="bold"' : i === 1 ? ' fill="#667" font-family="monospace"' : line.startsWith('↻') ? ' fill="#555" font-size="12"' : ' fill="#335"';
      parts.push(`<text x="${n.x.toFixed(1)}" y="${(y + 8 + (i + 1) * (FONT + 5) - 4).toFixed(1)}" text-anchor="middle"${style}>${esc(line)}</text>`);
    });
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
