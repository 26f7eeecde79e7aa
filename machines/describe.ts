/**
 * Reading a process definition and a case's snapshot without knowing the process: the engine,
 * projections and API ask here which commands a state accepts, what task it is, and how the
 * process looks as a diagram (Mermaid for docs, BPMN 2.0 for modellers).
 */
import type { AnyMachineSnapshot, AnyStateNode } from 'xstate';
import type { DeadlineRule } from '../calendars/types.js';
import { orthogonalRouter, placeLabelsInSteps, toEnd, type Box, type Point } from './route.js';
import type { ProcessDefinition, Role, StateMeta, TaskSpec } from './types.js';

/** The deadline rules in force by key (calendars/rules.ts): a diagram spells out the number a key stands for. */
export type DeadlineRuleTable = Readonly<Record<string, Readonly<DeadlineRule> | undefined>>;

// ── Snapshots ───────────────────────────────────────────────────────────────────────────

/** XState's own events (`xstate.init`, done events, the wildcard) are not commands. */
const isCommand = (type: string) => type !== '' && type !== '*' && !type.startsWith('xstate.');

/**
 * The commands a state node has transitions for, worked out once per node: a machine's states never
 * change, and XState's `ownEvents` builds its list afresh at every read (twice a command).
 */
const nodeCommands = new WeakMap<object, readonly string[]>();

function commandsOf(node: AnyMachineSnapshot['_nodes'][number]): readonly string[] {
  let commands = nodeCommands.get(node);
  if (commands === undefined) {
    commands = (node.ownEvents as string[]).filter(isCommand);
    nodeCommands.set(node, commands);
  }
  return commands;
}

/** The commands the snapshot's state accepts (rules and the sender are checked elsewhere). */
export function acceptedCommands(snapshot: AnyMachineSnapshot): string[] {
  if (snapshot.status !== 'active') return [];
  const accepted = new Set<string>();
  for (const node of snapshot._nodes) for (const command of commandsOf(node)) accepted.add(command);
  return [...accepted];
}

/** The top-level state's name. */
export function stateName(snapshot: AnyMachineSnapshot): string {
  const value: unknown = snapshot.value;
  if (typeof value === 'string') return value;
  return Object.keys(value as Record<string, unknown>)[0] ?? '';
}

/** Whether the case has reached a final state. */
export function isFinal(snapshot: AnyMachineSnapshot): boolean {
  return snapshot.status === 'done';
}

// ── Definitions ─────────────────────────────────────────────────────────────────────────

function statesOf(def: ProcessDefinition): Record<string, AnyStateNode> {
  return def.machine.root.states as Record<string, AnyStateNode>;
}

function metaOf(def: ProcessDefinition, state: string): StateMeta | undefined {
  return statesOf(def)[state]?.meta as StateMeta | undefined;
}

/** Every top-level state, in declaration order. */
export function allStates(def: ProcessDefinition): string[] {
  return Object.keys(statesOf(def));
}

/** The final states. */
export function finalStates(def: ProcessDefinition): string[] {
  return Object.entries(statesOf(def))
    .filter(([, node]) => node.type === 'final')
    .map(([name]) => name);
}

/** The machine's initial state. */
export function initialState(def: ProcessDefinition): string {
  const target = def.machine.root.initial?.target[0];
  return target?.key ?? '';
}

/** Every command of the process, as its catalogue lists them. */
export function allCommands(def: ProcessDefinition): string[] {
  return Object.keys(def.commands);
}

/** The human task a state is, if any (its `meta.task`). */
export function stateTask(def: ProcessDefinition, state: string): TaskSpec | undefined {
  return metaOf(def, state)?.task;
}

/** The state's name in Chinese (its `meta.label`), or the name itself. */
export function stateLabel(def: ProcessDefinition, state: string): string {
  return metaOf(def, state)?.label ?? state;
}

/** Every task of the process: the states' tasks, then the tasks commands open. */
export function allTasks(def: ProcessDefinition): TaskSpec[] {
  const stateTasks = allStates(def).flatMap((state) => stateTask(def, state) ?? []);
  const opened = Object.values(def.commands).flatMap((command) => command.opens ?? []);
  return [...stateTasks, ...opened];
}

/** One arrow of the chart: a command taking `from` to `to` (`to === from` when it stays), under guards. */
export interface Transition {
  from: string;
  command: string;
  to: string;
  /** Names of the guards (rules) that must hold, in order. */
  guards: string[];
}

function guardNames(guard: unknown): string[] {
  if (typeof guard === 'string') return [guard];
  if (typeof guard === 'function' && 'guards' in guard && Array.isArray(guard.guards)) return guard.guards.flatMap(guardNames);
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof guard.type === 'string') return [guard.type];
  return guard === undefined ? [] : ['guard'];
}

/** Every transition of the chart, state by state, in declaration order. */
export function transitions(def: ProcessDefinition): Transition[] {
  return Object.entries(statesOf(def)).flatMap(([from, node]) =>
    [...node.transitions.entries()]
      .filter(([command]) => isCommand(command))
      .flatMap(([command, candidates]) =>
        candidates.map((candidate) => ({
          from,
          command,
          to: candidate.target?.[0]?.key ?? from,
          guards: guardNames(candidate.guard),
        })),
      ),
  );
}

/** A value of the context at a dotted path (`agreement.destructionDays`), as a `DeadlineSpec.field` names it. */
export function readField(context: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => {
    if (typeof value !== 'object' || value === null) return undefined;
    return (value as Record<string, unknown>)[key];
  }, context);
}

// ── Words for diagrams ──────────────────────────────────────────────────────────────────

export const ROLE_LABELS: Record<Role, string> = {
  applicant: '公共数据利用主体',
  provider: '公共数据开放主体',
  authority: '公共数据开放主管部门',
  supervisor: '监督评估',
  auditor: '审计',
  admin: '平台管理员',
  system: '系统',
};

const SCOPE_LABELS: Record<TaskSpec['scope'], string> = {
  provider: '本案开放主体',
  competentAuthority: '本级主管部门',
  cityOrAbove: '市级以上主管部门',
  applicant: '本案申请人',
  system: '系统',
};

export function deadlineText(task: TaskSpec, rules?: DeadlineRuleTable): string {
  const deadline = task.deadline;
  if (!deadline) return '无办理时限';
  const basis = (b: string) => (b === 'statute' ? '法定时限' : '平台政策时限');
  const unit = (u: string) => (u === 'workingDays' ? '个工作日' : '日');
  switch (deadline.kind) {
    case 'rule': {
      const rule = rules && Object.hasOwn(rules, deadline.key) ? rules[deadline.key] : undefined;
      // Where the count starts, and the day it ends by at the latest, when the case decides them.
      const terms = `${deadline.countFrom ? `，${deadline.countFrom.what}前不起算` : ''}${deadline.endsBy ? `，至迟于${deadline.endsBy.what}` : ''}`;
      if (rule) return `时限：${rule.n} ${unit(rule.unit)}（${deadline.key === 'policyDefault' ? '平台政策默认时限' : basis(rule.basis)}${rule.article ? `，${rule.article}` : ''}${terms}）`;
      return deadline.key === 'policyDefault' ? `时限：平台政策默认时限${terms ? `（${terms.slice(1)}）` : ''}` : `时限：${deadline.key}（按配置${terms}）`;
    }
    // A number the case itself agreed (the agreement's terms): said as such, whatever its basis.
    case 'contextDays':
      return `时限：${deadline.what}，按${deadline.unit === 'workingDays' ? '工作日' : '日历日'}计${deadline.article ? `（${deadline.article}）` : ''}`;
    case 'contextMonths':
      return `时限：${deadline.what}，按月计${deadline.article ? `（${deadline.article}）` : ''}`;
  }
}

function taskText(task: TaskSpec, rules?: DeadlineRuleTable): string {
  return `${task.label}；办理：${ROLE_LABELS[task.role]}（${SCOPE_LABELS[task.scope]}）；${deadlineText(task, rules)}`;
}

/** A command with its label (`WITHDRAW 撤回申请`), as every diagram names it. */
export function commandLabel(def: ProcessDefinition, command: string): string {
  const label = def.commands[command]?.label;
  return label ? `${command} ${label}` : command;
}

/**
 * Who sends a command from a state, when the state's task does not already say it: an applicant's
 * WITHDRAW in the authority's review, a SUSPEND in `active`, the system's USAGE_EXPIRED (PROCESSES.md).
 */
export function senderText(def: ProcessDefinition, state: string, command: string): string {
  const actors = def.commands[command]?.actors ?? [];
  const task = stateTask(def, state);
  if (actors.length === 0 || (task && actors.every((actor) => actor.role === task.role))) return '';
  return ` · ${[...new Set(actors.map((actor) => (actor.role === 'system' ? '系统自动' : ROLE_LABELS[actor.role])))].join('或')}`;
}

/** Tasks the commands entering a state open besides its own (GRANT_ACCESS's results report), by command. */
function openedOn(def: ProcessDefinition, state: string, arrows: Transition[]): { command: string; task: TaskSpec }[] {
  const commands = new Set(arrows.filter((arrow) => arrow.to === state).map((arrow) => arrow.command));
  return [...commands].flatMap((command) => (def.commands[command]?.opens ?? []).map((task) => ({ command, task })));
}

/** When a command opens a task only as one party sends it (`TaskSpec.whenSentBy`): which, in Chinese. */
function sentByText(task: TaskSpec): string {
  return task.whenSentBy ? `（${ROLE_LABELS[task.whenSentBy]}发出时）` : '';
}

/**
 * The role whose lane a state sits in: its task's, else the first sender of the first command that
 * leads out of it — not one that keeps it: a suspended use (v2+) sat in the applicant's lane by its
 * REPORT_USAGE, though only the provider or the authority may RESUME or TERMINATE it.
 */
function laneRole(def: ProcessDefinition, state: string, arrows: Transition[]): Role | undefined {
  const task = stateTask(def, state);
  if (task) return task.role;
  const first = arrows.find((arrow) => arrow.from === state && arrow.to !== state) ?? arrows.find((arrow) => arrow.from === state);
  return first ? def.commands[first.command]?.actors[0]?.role : undefined;
}

// ── Mermaid ─────────────────────────────────────────────────────────────────────────────

const mermaidText = (text: string) => text.replace(/["\n;:]/g, ' ');

/** The process as a Mermaid `stateDiagram-v2`, labelled in Chinese; `rules` spell out each deadline key. */
export function toMermaid(def: ProcessDefinition, rules?: DeadlineRuleTable): string {
  const lines = ['stateDiagram-v2', `  %% ${def.title}（${def.name} v${def.version}）`];
  for (const state of allStates(def)) {
    const task = stateTask(def, state);
    const who = task ? `（${ROLE_LABELS[task.role]}）` : '';
    lines.push(`  state "${mermaidText(stateLabel(def, state) + who)}" as ${state}`);
  }
  lines.push(`  [*] --> ${initialState(def)}: ${mermaidText(def.start.label)}`);
  const seen = new Set<string>();
  for (const arrow of transitions(def)) {
    const key = `${arrow.from}→${arrow.to}→${arrow.command}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const guards = arrow.guards.length > 0 ? `（${arrow.guards.join('、')}）` : '';
    lines.push(`  ${arrow.from} --> ${arrow.to}: ${mermaidText(commandLabel(def, arrow.command))}${guards}${senderText(def, arrow.from, arrow.command)}`);
  }
  for (const state of finalStates(def)) lines.push(`  ${state} --> [*]`);
  // One note a state: Mermaid keeps only the last note it is given for a state.
  const arrows = transitions(def);
  for (const state of allStates(def)) {
    const task = stateTask(def, state);
    const opened = openedOn(def, state, arrows).map(
      ({ command, task: more }) => `${command}${sentByText(more) || ' '}开启：${more.label}（${ROLE_LABELS[more.role]}），${deadlineText(more, rules)}`,
    );
    const parts = [...(task ? [deadlineText(task, rules)] : []), ...opened];
    if (parts.length > 0) lines.push(`  note right of ${state}: ${mermaidText(parts.join('；'))}`);
  }
  return `${lines.join('\n')}\n`;
}

// ── BPMN 2.0 ────────────────────────────────────────────────────────────────────────────

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

interface Flow {
  id: string;
  name?: string;
  source: string;
  target: string;
}

const SIZE = {
  event: { width: 36, height: 36 },
  task: { width: 120, height: 80 },
  gateway: { width: 50, height: 50 },
};
const COLUMN = 300;
const ROW = 130;
/**
 * How much further apart columns and rows go, and how much room the pool leaves right of its last
 * column, in turn, when the flows' names do not all fit beside them: first taller rows, where a state's loops
 * back from its gateway run above and below it, then room on the right, where a last state's loops have
 * none, then wider columns.
 */
const WIDER: { column: number; row: number; right: number }[] = [
  { column: 0, row: 30, right: 0 },
  { column: 0, row: 30, right: 150 },
  { column: 0, row: 60, right: 150 },
  { column: 60, row: 60, right: 150 },
  { column: 60, row: 90, right: 300 },
  { column: 90, row: 120, right: 450 },
  { column: 90, row: 180, right: 600 },
  { column: 90, row: 210, right: 600 },
];
const LANE_HEADER = 30;
const POOL_HEADER = 30;

/**
 * The process as BPMN 2.0 XML: a pool with a lane per role, a start event, a user task per task
 * state (its role, scope and deadline in the documentation), a plain task per waiting state, an
 * exclusive gateway after every state with more than one way out, an end event per final state,
 * sequence flows named by command; and a diagram section laid out left to right, its flows routed
 * orthogonally around the shapes (route.ts).
 */
export function toBpmn(def: ProcessDefinition, rules?: DeadlineRuleTable): string {
  // Laying out the largest chart takes 250–500 ms (routed again, up to three times, until every flow's
  // name finds a free place): made once per definition and rule table
  // (both immutable), not at every GET of the diagram, which held the server's event loop that long.
  const byRules = bpmnMadeFor(def);
  let xml = byRules.get(rules);
  if (xml === undefined) byRules.set(rules, (xml = toEnd(bpmnSteps(def, rules))));
  return xml;
}

/**
 * `toBpmn`, the same to the byte, laid out in steps with `turn` (a turn of the event loop) awaited
 * between them: the first GET of a conditionalApplication version's diagram, laid out in one go, held
 * every other request of the server 0.3–0.6 s; in steps, a few ms at a time. Kept as `toBpmn` keeps
 * it; asked again while it is being made, the one making is awaited (laid out once). A making that
 * fails is not kept: the next call makes it again.
 */
export function toBpmnInTurns(def: ProcessDefinition, rules: DeadlineRuleTable | undefined, turn: () => Promise<void>): Promise<string> {
  const made = bpmnMadeFor(def).get(rules);
  if (made !== undefined) return Promise.resolve(made);
  const making = bpmnMaking.get(def) ?? new Map<DeadlineRuleTable | undefined, Promise<string>>();
  bpmnMaking.set(def, making);
  let xml = making.get(rules);
  if (xml === undefined) {
    xml = inTurns(bpmnSteps(def, rules), turn).then(
      (text) => {
        making.delete(rules);
        bpmnMadeFor(def).set(rules, text);
        return text;
      },
      (err: unknown) => {
        making.delete(rules);
        throw err;
      },
    );
    making.set(rules, xml);
  }
  return xml;
}

const bpmnMade = new WeakMap<ProcessDefinition, Map<DeadlineRuleTable | undefined, string>>();
const bpmnMaking = new WeakMap<ProcessDefinition, Map<DeadlineRuleTable | undefined, Promise<string>>>();

function bpmnMadeFor(def: ProcessDefinition): Map<DeadlineRuleTable | undefined, string> {
  const byRules = bpmnMade.get(def) ?? new Map<DeadlineRuleTable | undefined, string>();
  bpmnMade.set(def, byRules);
  return byRules;
}

/** Runs `steps` to their end, awaiting `turn` at each of their `yield`s. */
async function inTurns<T>(steps: Generator<void, T>, turn: () => Promise<void>): Promise<T> {
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await turn();
    }
  } finally {
    steps.return(undefined as never);
  }
}

/** The BPMN export in steps: a `yield` after each flow is routed and each step of placing the names (route.ts). */
function* bpmnSteps(def: ProcessDefinition, rules?: DeadlineRuleTable): Generator<void, string> {
  const arrows = transitions(def);
  const states = allStates(def);
  const finals = new Set(finalStates(def));
  const initial = initialState(def);
  const id = (kind: string, name: string) => `${kind}_${name}`;
  const startId = 'StartEvent';

  // Columns: breadth-first distance from the start.
  const column = new Map<string, number>([[initial, 1]]);
  const queue = [initial];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const arrow of arrows.filter((a) => a.from === state && !column.has(a.to))) {
      column.set(arrow.to, (column.get(state) ?? 1) + 1);
      queue.push(arrow.to);
    }
  }
  for (const state of states) if (!column.has(state)) column.set(state, 1);

  // Distinct ways out of each state; a gateway where there is more than one.
  const exits = new Map<string, Transition[]>();
  for (const arrow of arrows) {
    const list = exits.get(arrow.from) ?? [];
    if (!list.some((a) => a.command === arrow.command && a.to === arrow.to)) list.push(arrow);
    exits.set(arrow.from, list);
  }
  const hasGateway = (state: string) => (exits.get(state)?.length ?? 0) > 1;

  // Lanes: by role; a final state sits in the lane of the first state leading to it.
  const roleOf = new Map<string, Role>();
  for (const state of states.filter((s) => !finals.has(s))) {
    roleOf.set(state, laneRole(def, state, arrows) ?? def.start.actors[0]?.role ?? 'system');
  }
  for (const state of finals) {
    const from = arrows.find((a) => a.to === state)?.from;
    roleOf.set(state, (from && roleOf.get(from)) || 'system');
  }
  const startRole = def.start.actors[0]?.role ?? roleOf.get(initial) ?? 'system';
  const roles = [...new Set<Role>([startRole, ...states.map((s) => roleOf.get(s) ?? 'system')])];

  // Rows within a lane: nodes of one lane and column stack downwards.
  const row = new Map<string, number>();
  const taken = new Map<string, number>();
  const place = (node: string, role: Role, col: number) => {
    const key = `${role}#${col}`;
    const n = taken.get(key) ?? 0;
    taken.set(key, n + 1);
    row.set(node, n);
  };
  place(startId, startRole, 0);
  for (const state of states) place(state, roleOf.get(state) ?? 'system', column.get(state) ?? 1);
  const laneRows = new Map<Role, number>(roles.map((r) => [r, 1]));
  for (const [key, n] of taken) {
    const role = key.split('#')[0] as Role;
    laneRows.set(role, Math.max(laneRows.get(role) ?? 1, n));
  }
  // Flows.
  const flows: Flow[] = [{ id: 'Flow_start', name: def.start.label, source: startId, target: id('State', initial) }];
  for (const state of states) {
    const out = exits.get(state) ?? [];
    const source = hasGateway(state) ? id('Gateway', state) : id('State', state);
    if (hasGateway(state)) flows.push({ id: `Flow_${state}_decide`, source: id('State', state), target: source });
    out.forEach((arrow, i) => {
      const guards = arrow.guards.length > 0 ? `（${arrow.guards.join('、')}）` : '';
      flows.push({
        id: `Flow_${state}_${i + 1}_${arrow.command}`,
        name: `${commandLabel(def, arrow.command)}${guards}${senderText(def, state, arrow.command)}`,
        source,
        target: id('State', arrow.to),
      });
    });
  }
  const incoming = (node: string) => flows.filter((f) => f.target === node).map((f) => f.id);
  const outgoing = (node: string) => flows.filter((f) => f.source === node).map((f) => f.id);
  const refs = (node: string, indent: string) => [
    ...incoming(node).map((f) => `${indent}<bpmn:incoming>${f}</bpmn:incoming>`),
    ...outgoing(node).map((f) => `${indent}<bpmn:outgoing>${f}</bpmn:outgoing>`),
  ];

  // The layout: columns and rows this far apart, widened while some flow's name finds no free place beside it.
  function* layOut({ column: columnWidth, row: rowHeight, right }: { column: number; row: number; right: number }) {
    const laneTop = new Map<Role, number>();
    let y = 0;
    for (const role of roles) {
      laneTop.set(role, y);
      y += (laneRows.get(role) ?? 1) * rowHeight;
    }
    const poolHeight = y;
    const maxColumn = Math.max(...column.values());
    const poolWidth = POOL_HEADER + LANE_HEADER + (maxColumn + 1) * columnWidth + right;

    const bounds = new Map<string, Box>();
    const centreIn = (role: Role, col: number, r: number, size: { width: number; height: number }, dx = 0): Box => {
      const cx = POOL_HEADER + LANE_HEADER + 40 + col * columnWidth + SIZE.task.width / 2 + dx;
      const cy = (laneTop.get(role) ?? 0) + r * rowHeight + rowHeight / 2;
      return { x: cx - size.width / 2, y: cy - size.height / 2, ...size };
    };
    bounds.set(startId, centreIn(startRole, 0, row.get(startId) ?? 0, SIZE.event));
    for (const state of states) {
      const role = roleOf.get(state) ?? 'system';
      const col = column.get(state) ?? 1;
      const r = row.get(state) ?? 0;
      bounds.set(id('State', state), centreIn(role, col, r, finals.has(state) ? SIZE.event : SIZE.task));
      if (hasGateway(state)) bounds.set(id('Gateway', state), centreIn(role, col, r, SIZE.gateway, 150));
    }

    // Edges: routed around every shape, the shortest (the main line, mostly) first so that it runs straight.
    const shapes = [...bounds.values()];
    const inside = { x: POOL_HEADER + LANE_HEADER + 5, y: 5, width: poolWidth - POOL_HEADER - LANE_HEADER - 10, height: poolHeight - 10 };
    const route = orthogonalRouter(shapes, inside);
    yield;
    const reach = (flow: Flow) => span(bounds.get(flow.source), bounds.get(flow.target));
    const paths = new Map<string, Point[]>();
    for (const flow of [...flows].sort((a, b) => reach(a) - reach(b))) {
      const [source, target] = [bounds.get(flow.source), bounds.get(flow.target)];
      if (source && target) paths.set(flow.id, route(source, target) ?? [centre(source), centre(target)]);
      yield;
    }
    // Labels: beside their flow, each kept off the shapes and the other labels.
    const named = flows.filter((flow) => flow.name);
    const placed = yield* placeLabelsInSteps(named.map((flow) => ({ text: flow.name ?? '', route: paths.get(flow.id) ?? [] })), shapes, inside);
    const labels = new Map<string, Box>(named.flatMap((flow, i) => (placed.boxes[i] ? [[flow.id, placed.boxes[i]] as [string, Box]] : [])));
    return { laneTop, poolHeight, poolWidth, bounds, paths, labels, rowHeight, fit: placed.fit };
  }
  let layout = yield* layOut({ column: COLUMN, row: ROW, right: 0 });
  for (const more of WIDER) {
    if (layout.fit) break;
    layout = yield* layOut({ column: COLUMN + more.column, row: ROW + more.row, right: more.right });
  }
  const { laneTop, poolHeight, poolWidth, bounds, paths, labels, rowHeight } = layout;

  // Semantic model.
  const processId = `Process_${def.name}_v${def.version}`;
  const collaborationId = `Collaboration_${def.name}_v${def.version}`;
  const participantId = `Participant_${def.name}_v${def.version}`;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"' +
      ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"' +
      ' xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"' +
      ' xmlns:di="http://www.omg.org/spec/DD/20100524/DI"' +
      ` id="Definitions_${def.name}_v${def.version}" targetNamespace="urn:shandong-open-data:processes"` +
      ' exporter="shandong-open-data-workflow" exporterVersion="1">',
    `  <bpmn:collaboration id="${collaborationId}">`,
    `    <bpmn:participant id="${participantId}" name="${xml(`${def.title}（v${def.version}）`)}" processRef="${processId}" />`,
    '  </bpmn:collaboration>',
    `  <bpmn:process id="${processId}" name="${xml(def.title)}" isExecutable="false">`,
    `    <bpmn:documentation>${xml(`${def.name} v${def.version}；依据：鲁数发〔2022〕15号 ${def.articles.join('、')}`)}</bpmn:documentation>`,
    `    <bpmn:laneSet id="LaneSet_${def.name}">`,
  ];
  for (const role of roles) {
    out.push(`      <bpmn:lane id="Lane_${role}" name="${xml(ROLE_LABELS[role])}">`);
    if (role === startRole) out.push(`        <bpmn:flowNodeRef>${startId}</bpmn:flowNodeRef>`);
    for (const state of states.filter((s) => roleOf.get(s) === role)) {
      out.push(`        <bpmn:flowNodeRef>${id('State', state)}</bpmn:flowNodeRef>`);
      if (hasGateway(state)) out.push(`        <bpmn:flowNodeRef>${id('Gateway', state)}</bpmn:flowNodeRef>`);
    }
    out.push('      </bpmn:lane>');
  }
  out.push('    </bpmn:laneSet>');
  out.push(`    <bpmn:startEvent id="${startId}" name="${xml(def.start.label)}">`, ...refs(startId, '      '), '    </bpmn:startEvent>');
  for (const state of states) {
    const node = id('State', state);
    const label = stateLabel(def, state);
    if (finals.has(state)) {
      out.push(`    <bpmn:endEvent id="${node}" name="${xml(label)}">`, ...refs(node, '      '), '    </bpmn:endEvent>');
      continue;
    }
    const task = stateTask(def, state);
    const element = task ? 'bpmn:userTask' : 'bpmn:task';
    const opened = openedOn(def, state, arrows).map(({ command, task: more }) => `${commandLabel(def, command)}${sentByText(more) || ' '}开启：${taskText(more, rules)}`);
    const own = task ? `状态 ${state}；${taskText(task, rules)}` : opened.length > 0 ? `状态 ${state}` : `状态 ${state}：等待，无办理任务`;
    const doc = [own, ...opened].join('；');
    out.push(
      `    <${element} id="${node}" name="${xml(task?.label ?? label)}">`,
      `      <bpmn:documentation>${xml(doc)}</bpmn:documentation>`,
      ...refs(node, '      '),
      `    </${element}>`,
    );
    if (hasGateway(state)) {
      const gateway = id('Gateway', state);
      out.push(
        `    <bpmn:exclusiveGateway id="${gateway}" name="${xml(`${label}：办理结果`)}">`,
        ...refs(gateway, '      '),
        '    </bpmn:exclusiveGateway>',
      );
    }
  }
  for (const flow of flows) {
    const name = flow.name ? ` name="${xml(flow.name)}"` : '';
    out.push(`    <bpmn:sequenceFlow id="${flow.id}"${name} sourceRef="${flow.source}" targetRef="${flow.target}" />`);
  }
  out.push('  </bpmn:process>');

  // Diagram.
  out.push(
    `  <bpmndi:BPMNDiagram id="Diagram_${def.name}_v${def.version}">`,
    `    <bpmndi:BPMNPlane id="Plane_${def.name}_v${def.version}" bpmnElement="${collaborationId}">`,
    `      <bpmndi:BPMNShape id="${participantId}_di" bpmnElement="${participantId}" isHorizontal="true">`,
    `        <dc:Bounds x="0" y="0" width="${poolWidth}" height="${poolHeight}" />`,
    '      </bpmndi:BPMNShape>',
  );
  for (const role of roles) {
    const top = laneTop.get(role) ?? 0;
    const height = (laneRows.get(role) ?? 1) * rowHeight;
    out.push(
      `      <bpmndi:BPMNShape id="Lane_${role}_di" bpmnElement="Lane_${role}" isHorizontal="true">`,
      `        <dc:Bounds x="${POOL_HEADER}" y="${top}" width="${poolWidth - POOL_HEADER}" height="${height}" />`,
      '      </bpmndi:BPMNShape>',
    );
  }
  for (const [node, box] of bounds) {
    const marker = node.startsWith('Gateway_') ? ' isMarkerVisible="true"' : '';
    out.push(
      `      <bpmndi:BPMNShape id="${node}_di" bpmnElement="${node}"${marker}>`,
      `        <dc:Bounds x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" />`,
      '      </bpmndi:BPMNShape>',
    );
  }
  for (const flow of flows) {
    const box = labels.get(flow.id);
    out.push(
      `      <bpmndi:BPMNEdge id="${flow.id}_di" bpmnElement="${flow.id}">`,
      ...(paths.get(flow.id) ?? []).map(([px, py]) => `        <di:waypoint x="${px}" y="${py}" />`),
      ...(box ? ['        <bpmndi:BPMNLabel>', `          <dc:Bounds x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" />`, '        </bpmndi:BPMNLabel>'] : []),
      '      </bpmndi:BPMNEdge>',
    );
  }
  out.push('    </bpmndi:BPMNPlane>', '  </bpmndi:BPMNDiagram>', '</bpmn:definitions>');
  return `${out.join('\n')}\n`;
}

const centre = (box: Box): Point => [box.x + box.width / 2, box.y + box.height / 2];

/** How far apart two shapes' centres are, along the grid. */
function span(a: Box | undefined, b: Box | undefined): number {
  if (!a || !b) return 0;
  const [[ax, ay], [bx, by]] = [centre(a), centre(b)];
  return Math.abs(ax - bx) + Math.abs(ay - by);
}

/** What an event does to its case's waits on other cases (`waitsOf`). */
export interface WaitChange {
  /** The case waits no longer on any case it named before. */
  clears: boolean;
  /** The cases it waits on from now: each short of the state the command completes on. */
  waitsOn: { caseId: string; process: string; completesOn: string }[];
}

const NO_WAIT_CHANGE: WaitChange = Object.freeze({ clears: false, waitsOn: Object.freeze([]) as unknown as WaitChange['waitsOn'] });
const linking = new WeakMap<ProcessDefinition, boolean>();

/**
 * What an event of a case decided by `def` does to the case's waits on other cases (CommandSpec.link,
 * 第十五条: MARK_OPENED naming a release not yet published): a case that ends, or names another case
 * instead, waits no longer on the one it named before; one that names a case short of the state the
 * command completes on waits on it. The engine's work index and the inbox read model fold it alike.
 */
export function waitsOf(def: ProcessDefinition | undefined, event: { command: string; final: boolean; links?: Record<string, { process: string; state: string }> | undefined }): WaitChange {
  if (!def) return NO_WAIT_CHANGE;
  let mayWait = linking.get(def);
  if (mayWait === undefined) linking.set(def, (mayWait = Object.values(def.commands).some((c) => c.link !== undefined)));
  if (!mayWait) return NO_WAIT_CHANGE;
  const link = def.commands[event.command]?.link;
  const named = link !== undefined && event.links !== undefined;
  if (!event.final && !named) return NO_WAIT_CHANGE;
  const waitsOn =
    named && !event.final
      ? Object.entries(event.links!).flatMap(([caseId, linked]) => (linked.state === link.completesOn ? [] : [{ caseId, process: linked.process, completesOn: link.completesOn }]))
      : [];
  return { clears: true, waitsOn };
}
