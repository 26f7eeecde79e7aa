/** Reading snapshots and definitions without knowing the process, and drawing them. */
import { describe, expect, it } from 'vitest';
import {
  acceptedCommands,
  allCommands,
  allStates,
  allTasks,
  finalStates,
  initialState,
  isFinal,
  readField,
  stateLabel,
  stateName,
  stateTask,
  toBpmn,
  toMermaid,
  transitions,
} from '../../machines/describe.js';
import { registry } from '../../machines/registry.js';
import type { ProcessDefinition } from '../../machines/types.js';
import { caseIn, definition } from './harness.js';
import { descendants, parseXml, type XmlElement } from './xml.js';

describe('snapshots', () => {
  it('name the top-level state and the commands it accepts', () => {
    const snapshot = caseIn('conditionalApplication', 'providerReview');
    expect(stateName(snapshot)).toBe('providerReview');
    expect(acceptedCommands(snapshot)).toEqual(['APPROVE', 'REJECT', 'WITHDRAW']);
    expect(isFinal(snapshot)).toBe(false);
  });

  it('accept no command once final', () => {
    const snapshot = caseIn('objection', 'responded');
    expect(stateName(snapshot)).toBe('responded');
    expect(acceptedCommands(snapshot)).toEqual([]);
    expect(isFinal(snapshot)).toBe(true);
  });
});

describe('definitions', () => {
  const def = definition('unopenedDataRequest');

  it('list states, the initial one, the final ones and the commands', () => {
    expect(allStates(def)).toEqual(['normativeReview', 'feasibilityReview', 'openingPending', 'rejected', 'answered', 'declined', 'opened']);
    expect(initialState(def)).toBe('normativeReview');
    expect(finalStates(def)).toEqual(['rejected', 'answered', 'declined', 'opened']);
    expect(allCommands(def)).toContain('MARK_OPENED');
  });

  it('read a state’s task and Chinese label from its meta', () => {
    expect(stateTask(def, 'feasibilityReview')?.role).toBe('provider');
    expect(stateTask(def, 'opened')).toBeUndefined();
    expect(stateTask(def, 'noSuchState')).toBeUndefined();
    expect(stateLabel(def, 'opened')).toBe('已开放');
    expect(stateLabel(def, 'noSuchState')).toBe('noSuchState');
  });

  it('list transitions with their guards; a command that waits stays in its state', () => {
    expect(transitions(def).filter((t) => t.command === 'MARK_OPENED')).toEqual([
      { from: 'openingPending', command: 'MARK_OPENED', to: 'opened', guards: ['linkedReleaseExists', 'linkedReleaseNotWithdrawn', 'opensNow'] },
      { from: 'openingPending', command: 'MARK_OPENED', to: 'openingPending', guards: ['linkedReleaseExists', 'linkedReleaseNotWithdrawn'] },
    ]);
  });

  it('list state tasks and command-opened tasks', () => {
    const stages = allTasks(definition('conditionalApplication')).map((t) => t.stage);
    expect(stages).toEqual([
      'normativeReview',
      'providerReview',
      'agreementPending',
      'accessPending',
      'renewalReview',
      'destructionPending',
      'resultsReport',
      'accessGrantedNotice',
      'usageNotice',
      'resultsNotice',
      'resultsAuthorityNotice',
      'securityIncidentNotice',
      'securityIncidentAuthorityNotice',
      'suspensionNotice',
      'resumptionNotice',
      'terminationNotice',
    ]);
  });

  it('read a dotted context field', () => {
    expect(readField({ agreement: { destructionDays: 30 } }, 'agreement.destructionDays')).toBe(30);
    expect(readField({ useTo: '2025-12-31' }, 'useTo')).toBe('2025-12-31');
    expect(readField({}, 'agreement.destructionDays')).toBeUndefined();
    expect(readField({ agreement: null }, 'agreement.destructionDays')).toBeUndefined();
  });
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const boxOf = (attributes: Record<string, string>): Box => ({
  x: Number(attributes.x),
  y: Number(attributes.y),
  width: Number(attributes.width),
  height: Number(attributes.height),
});

/** Whether two boxes share any area (touching edges do not count). */
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Whether the segment from `a` to `b` enters the inside of `box` (running along its edge does not count): Liang–Barsky clipping. */
function segmentEnters(a: readonly [number, number], b: readonly [number, number], box: Box): boolean {
  const inset = 0.5;
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const limits: [number, number][] = [
    [-dx, a[0] - (box.x + inset)],
    [dx, box.x + box.width - inset - a[0]],
    [-dy, a[1] - (box.y + inset)],
    [dy, box.y + box.height - inset - a[1]],
  ];
  let [enter, leave] = [0, 1];
  for (const [p, q] of limits) {
    if (p === 0) {
      if (q < 0) return false;
    } else if (p < 0) enter = Math.max(enter, q / p);
    else leave = Math.min(leave, q / p);
  }
  return leave - enter > 1e-9;
}

describe.each(registry.list().map((def) => [def.name, def.version, def] as const))('%s v%i diagrams', (_name, _version, def: ProcessDefinition) => {
  describe('Mermaid', () => {
    const mermaid = toMermaid(def);

    it('is a state diagram with every state, labelled in Chinese, and every command', () => {
      expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
      for (const state of allStates(def)) expect(mermaid).toContain(`state "${stateLabel(def, state)}`);
      for (const state of allStates(def)) expect(mermaid).toMatch(new RegExp(`as ${state}$`, 'm'));
      for (const command of allCommands(def)) expect(mermaid).toContain(`: ${command} ${def.commands[command]?.label}`);
    });

    it('starts at the initial state and ends at every final one', () => {
      expect(mermaid).toContain(`[*] --> ${initialState(def)}`);
      for (const state of finalStates(def)) expect(mermaid).toContain(`${state} --> [*]`);
    });
  });

  describe('BPMN 2.0', () => {
    const bpmn = toBpmn(def);
    const root = parseXml(bpmn);
    const all = descendants(root);
    const byName = (name: string) => all.filter((e) => e.name === name);
    const byId = new Map(all.filter((e) => e.attributes.id).map((e) => [e.attributes.id, e] as [string, XmlElement]));
    const processElement = byName('bpmn:process')[0];
    const flowNodes = (processElement?.children ?? []).filter((e) =>
      ['bpmn:startEvent', 'bpmn:endEvent', 'bpmn:userTask', 'bpmn:task', 'bpmn:exclusiveGateway'].includes(e.name),
    );
    const flows = byName('bpmn:sequenceFlow');

    it('is well-formed XML with the BPMN namespaces and unique ids', () => {
      expect(root.name).toBe('bpmn:definitions');
      expect(root.attributes['xmlns:bpmn']).toBe('http://www.omg.org/spec/BPMN/20100524/MODEL');
      expect(root.attributes['xmlns:bpmndi']).toBe('http://www.omg.org/spec/BPMN/20100524/DI');
      const ids = all.flatMap((e) => (e.attributes.id ? [e.attributes.id] : []));
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[A-Za-z_][\w.-]*$/);
    });

    it('has one start event, a user task per task state, a task per waiting state and an end event per final state', () => {
      expect(byName('bpmn:startEvent')).toHaveLength(1);
      expect(flowNodes.length).toBeGreaterThanOrEqual(allStates(def).length + 1);
      const finals = finalStates(def);
      for (const state of allStates(def)) {
        const element = byId.get(`State_${state}`);
        const expected = finals.includes(state) ? 'bpmn:endEvent' : stateTask(def, state) ? 'bpmn:userTask' : 'bpmn:task';
        expect(element?.name, state).toBe(expected);
      }
      expect(byName('bpmn:endEvent')).toHaveLength(finals.length);
    });

    it('documents the role, scope and deadline of every user task', () => {
      for (const task of byName('bpmn:userTask')) {
        const doc = task.children.find((c) => c.name === 'bpmn:documentation')?.text ?? '';
        expect(doc, task.attributes.id).toMatch(/办理：.+（.+）；(时限|无办理时限)/);
      }
    });

    it('puts an exclusive gateway after every state with more than one way out', () => {
      const ways = new Map<string, Set<string>>();
      for (const t of transitions(def)) ways.set(t.from, (ways.get(t.from) ?? new Set()).add(`${t.command}>${t.to}`));
      for (const state of allStates(def)) {
        const gateway = byId.get(`Gateway_${state}`);
        expect(gateway?.name, state).toBe((ways.get(state)?.size ?? 0) > 1 ? 'bpmn:exclusiveGateway' : undefined);
      }
    });

    it('names a sequence flow by every command, and connects only existing nodes', () => {
      const names = flows.map((f) => f.attributes.name ?? '');
      for (const command of allCommands(def)) expect(names.some((n) => n.startsWith(`${command} `)), command).toBe(true);
      const nodeIds = new Set(flowNodes.map((n) => n.attributes.id));
      for (const flow of flows) {
        expect(nodeIds.has(flow.attributes.sourceRef), flow.attributes.id).toBe(true);
        expect(nodeIds.has(flow.attributes.targetRef), flow.attributes.id).toBe(true);
      }
    });

    it('lists each node’s incoming and outgoing flows consistently', () => {
      for (const node of flowNodes) {
        const id = node.attributes.id;
        const incoming = node.children.filter((c) => c.name === 'bpmn:incoming').map((c) => c.text);
        const outgoing = node.children.filter((c) => c.name === 'bpmn:outgoing').map((c) => c.text);
        expect(incoming.sort(), id).toEqual(flows.filter((f) => f.attributes.targetRef === id).map((f) => f.attributes.id).sort());
        expect(outgoing.sort(), id).toEqual(flows.filter((f) => f.attributes.sourceRef === id).map((f) => f.attributes.id).sort());
      }
    });

    it('reaches every state from the start event', () => {
      const reached = new Set<string>(['StartEvent']);
      for (let grew = true; grew; ) {
        grew = false;
        for (const flow of flows) {
          if (reached.has(flow.attributes.sourceRef ?? '') && !reached.has(flow.attributes.targetRef ?? '')) {
            reached.add(flow.attributes.targetRef ?? '');
            grew = true;
          }
        }
      }
      for (const state of allStates(def)) expect(reached.has(`State_${state}`), state).toBe(true);
    });

    it('places every flow node in exactly one lane', () => {
      const refs = byName('bpmn:flowNodeRef').map((r) => r.text);
      expect(refs.sort()).toEqual(flowNodes.map((n) => n.attributes.id).sort());
    });

    it('draws a shape for every node and lane and an edge with waypoints for every flow', () => {
      const drawn = new Map(
        [...byName('bpmndi:BPMNShape'), ...byName('bpmndi:BPMNEdge')].map((d) => [d.attributes.bpmnElement, d] as [string, XmlElement]),
      );
      for (const element of [...flowNodes, ...byName('bpmn:lane'), ...byName('bpmn:participant')]) {
        const bounds = drawn.get(element.attributes.id ?? '')?.children.find((c) => c.name === 'dc:Bounds');
        expect(bounds, element.attributes.id).toBeDefined();
        for (const key of ['x', 'y', 'width', 'height']) expect(Number(bounds?.attributes[key]), key).not.toBeNaN();
      }
      for (const flow of flows) {
        const points = drawn.get(flow.attributes.id ?? '')?.children.filter((c) => c.name === 'di:waypoint') ?? [];
        expect(points.length, flow.attributes.id).toBeGreaterThanOrEqual(2);
      }
      for (const d of drawn.values()) expect(byId.has(d.attributes.bpmnElement ?? ''), d.attributes.id).toBe(true);
    });

    it('keeps every edge inside the pool: a modeller draws no flow below the bottom lane', () => {
      const pool = byName('bpmndi:BPMNShape').find((s) => s.attributes.bpmnElement?.startsWith('Participant_'));
      const box = pool?.children.find((c) => c.name === 'dc:Bounds')?.attributes ?? {};
      const [left, top, right, bottom] = [Number(box.x), Number(box.y), Number(box.x) + Number(box.width), Number(box.y) + Number(box.height)];
      for (const edge of byName('bpmndi:BPMNEdge')) {
        for (const point of edge.children.filter((c) => c.name === 'di:waypoint')) {
          const [x, y] = [Number(point.attributes.x), Number(point.attributes.y)];
          expect(x >= left && x <= right && y >= top && y <= bottom, `${edge.attributes.id} (${x}, ${y})`).toBe(true);
        }
      }
    });

    const boundsOf = (element: string) => {
      const shape = byName('bpmndi:BPMNShape').find((s) => s.attributes.bpmnElement === element);
      return boxOf(shape?.children.find((c) => c.name === 'dc:Bounds')?.attributes ?? {});
    };

    it('draws no two flow nodes over each other, and each inside its own lane', () => {
      const nodes = flowNodes.map((n) => ({ id: n.attributes.id ?? '', box: boundsOf(n.attributes.id ?? '') }));
      for (const [i, a] of nodes.entries()) {
        for (const b of nodes.slice(i + 1)) expect(overlaps(a.box, b.box), `${a.id} over ${b.id}`).toBe(false);
      }
      for (const lane of byName('bpmn:lane')) {
        const laneBox = boundsOf(lane.attributes.id ?? '');
        for (const ref of lane.children.filter((c) => c.name === 'bpmn:flowNodeRef')) {
          const box = boundsOf(ref.text);
          const inside = box.x >= laneBox.x && box.y >= laneBox.y && box.x + box.width <= laneBox.x + laneBox.width && box.y + box.height <= laneBox.y + laneBox.height;
          expect(inside, `${ref.text} in ${lane.attributes.id}`).toBe(true);
        }
      }
    });

    it('runs no flow through a shape other than its own source and target', () => {
      const shapes = flowNodes.map((n) => ({ id: n.attributes.id ?? '', box: boundsOf(n.attributes.id ?? '') }));
      const through: string[] = [];
      for (const flow of flows) {
        const edge = byName('bpmndi:BPMNEdge').find((e) => e.attributes.bpmnElement === flow.attributes.id);
        const points = (edge?.children ?? []).filter((c) => c.name === 'di:waypoint').map((p) => [Number(p.attributes.x), Number(p.attributes.y)] as const);
        for (const shape of shapes) {
          if (shape.id === flow.attributes.sourceRef || shape.id === flow.attributes.targetRef) continue;
          if (points.slice(1).some((to, i) => segmentEnters(points[i]!, to, shape.box))) through.push(`${flow.attributes.id} through ${shape.id}`);
        }
      }
      expect(through).toEqual([]);
    });

    it('places each flow label it draws beside its flow, inside the pool and on no flow node', () => {
      const pool = boundsOf(byName('bpmn:participant')[0]?.attributes.id ?? '');
      const shapes = flowNodes.map((n) => ({ id: n.attributes.id ?? '', box: boundsOf(n.attributes.id ?? '') }));
      const edges = byName('bpmndi:BPMNEdge').filter((e) => e.children.some((c) => c.name === 'bpmndi:BPMNLabel'));
      expect(edges.length, 'labelled flows').toBeGreaterThan(0);
      for (const edge of edges) {
        const label = boxOf(edge.children.find((c) => c.name === 'bpmndi:BPMNLabel')?.children.find((c) => c.name === 'dc:Bounds')?.attributes ?? {});
        const points = edge.children.filter((c) => c.name === 'di:waypoint').map((p) => [Number(p.attributes.x), Number(p.attributes.y)] as const);
        const id = edge.attributes.bpmnElement;
        expect(flows.find((f) => f.attributes.id === id)?.attributes.name, `${id} is named`).toBeTruthy();
        expect(overlaps(label, pool) && label.x >= pool.x && label.x + label.width <= pool.x + pool.width && label.y >= pool.y && label.y + label.height <= pool.y + pool.height, `${id} in the pool`).toBe(true);
        for (const shape of shapes) expect(overlaps(label, shape.box), `${id}'s label over ${shape.id}`).toBe(false);
        const near = { x: label.x - 61, y: label.y - 61, width: label.width + 122, height: label.height + 122 };
        expect(points.slice(1).some((to, i) => segmentEnters(points[i]!, to, near)), `${id}'s label beside its flow`).toBe(true);
      }
    });

    it('draws the name of every named flow, over no other flow’s name and no flow node, so each name reads as its own arrow’s', () => {
      const shapes = flowNodes.map((n) => ({ id: n.attributes.id ?? '', box: boundsOf(n.attributes.id ?? '') }));
      const labels = byName('bpmndi:BPMNEdge').flatMap((edge) => {
        const bounds = edge.children.find((c) => c.name === 'bpmndi:BPMNLabel')?.children.find((c) => c.name === 'dc:Bounds');
        return bounds ? [{ id: edge.attributes.bpmnElement ?? '', box: boxOf(bounds.attributes) }] : [];
      });
      const unlabelled = flows.filter((f) => f.attributes.name && !labels.some((l) => l.id === f.attributes.id)).map((f) => `${f.attributes.id} has no label`);
      const clashes = [
        ...labels.flatMap((a, i) => labels.slice(i + 1).filter((b) => overlaps(a.box, b.box)).map((b) => `${a.id}'s label over ${b.id}'s`)),
        ...labels.flatMap((a) => shapes.filter((s) => overlaps(a.box, s.box)).map((s) => `${a.id}'s label over ${s.id}`)),
      ];
      expect({ unlabelled, clashes }).toEqual({ unlabelled: [], clashes: [] });
    });
  });
});

describe('tasks a command opens, drawn on the state it leads to', () => {
  // Given conditionalApplication, whose GRANT_ACCESS opens the applicant's results report (附录5 协议二(三)3)
  // and the competent authority's 知悉 item (第十四条(三)), beside the states' own tasks
  const def = registry.latest('conditionalApplication')!;
  const opened = allTasks(def).filter((task) => stateTask(def, task.stage) === undefined);

  it('is a case the test is about: GRANT_ACCESS opens two tasks that no state is (and REPORT_SECURITY_INCIDENT a third from v8, a fourth from v9, REPORT_RESULTS two more from v12, SUSPEND, RESUME and TERMINATE one each from v13, REPORT_USAGE one from v14)', () => {
    expect(opened.map((task) => task.stage)).toEqual([
      'resultsReport',
      'accessGrantedNotice',
      'usageNotice',
      'resultsNotice',
      'resultsAuthorityNotice',
      'securityIncidentNotice',
      'securityIncidentAuthorityNotice',
      'suspensionNotice',
      'resumptionNotice',
      'terminationNotice',
    ]);
  });

  it('shows each in the Mermaid note of the state GRANT_ACCESS enters, with who works it and its time limit', () => {
    // When the chart is drawn as Mermaid
    const notes = toMermaid(def).split('\n').filter((line) => line.startsWith('  note right of active: '));
    // Then one note on `active` (Mermaid keeps only the last note of a state) names both
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('反馈数据应用成果（公共数据利用主体），时限：协议约定的成果反馈期限，按月计（附录5 协议二(三)3）');
    expect(notes[0]).toContain('知悉：已开通有条件开放数据使用权限（公共数据开放主管部门），无办理时限');
  });

  it('documents each on the BPMN node of that state, as a user task’s own is', () => {
    // When the chart is drawn as BPMN
    const active = descendants(parseXml(toBpmn(def))).find((e) => e.attributes.id === 'State_active');
    const doc = active?.children.find((c) => c.name === 'bpmn:documentation')?.text ?? '';
    // Then its documentation names both tasks, who works them and by when
    expect(doc).toContain('GRANT_ACCESS 开通使用权限 开启：反馈数据应用成果；办理：公共数据利用主体（本案申请人）；时限：协议约定的成果反馈期限，按月计（附录5 协议二(三)3）');
    expect(doc).toContain('知悉：已开通有条件开放数据使用权限；办理：公共数据开放主管部门（本级主管部门）；无办理时限');
  });
});

describe('who sends a command, drawn on its arrow when the state’s task does not say it', () => {
  // Given conditionalApplication: the applicant withdraws from the authority's review (PROCESSES.md §2),
  // the provider or the authority suspends a use, and the system ends it at the end of useTo
  const def = registry.latest('conditionalApplication')!;

  it('names the sender on the Mermaid arrow, and none where the task holder sends it', () => {
    // When the chart is drawn as Mermaid
    const lines = toMermaid(def).split('\n');
    // Then
    expect(lines).toContain('  normativeReview --> withdrawn: WITHDRAW 撤回申请 · 公共数据利用主体');
    expect(lines).toContain('  active --> suspended: SUSPEND 暂停数据开放服务 · 公共数据开放主体或公共数据开放主管部门');
    expect(lines).toContain('  active --> destructionPending: USAGE_EXPIRED 使用期限届满，权限失效 · 系统自动');
    expect(lines).toContain('  normativeReview --> providerReview: PASS_NORMATIVE_REVIEW 通过材料规范性审查');
  });

  it('names the sender on the BPMN sequence flow', () => {
    // When the chart is drawn as BPMN
    const flows = descendants(parseXml(toBpmn(def))).filter((e) => e.name === 'bpmn:sequenceFlow');
    const named = (command: string, from: string) => flows.find((f) => f.attributes.id?.startsWith(`Flow_${from}_`) && f.attributes.id.endsWith(`_${command}`))?.attributes.name;
    // Then
    expect(named('WITHDRAW', 'providerReview')).toBe('WITHDRAW 撤回申请 · 公共数据利用主体');
    expect(named('USAGE_EXPIRED', 'accessPending')).toBe('USAGE_EXPIRED 使用期限届满，权限失效 · 系统自动');
    // Its guard in brackets (v11: approvalWithinRequestedUse), and no sender: the task holder sends it.
    expect(named('APPROVE', 'providerReview')).toBe('APPROVE 审核通过（approvalWithinRequestedUse）');
  });
});

describe('the XML reader used above', () => {
  it.each([
    ['<a><b></a></b>', 'crossed tags'],
    ['<a x="1" x="2"/>', 'duplicate attribute'],
    ['<a>fish & chips</a>', 'bare ampersand'],
    ['<a/><b/>', 'two roots'],
    ['<a x=1/>', 'unquoted attribute'],
    ['<a>', 'unclosed element'],
  ])('refuses %s (%s)', (source) => {
    expect(() => parseXml(source)).toThrow();
  });

  it('reads attributes, text and entities', () => {
    const root = parseXml('<?xml version="1.0"?><a k="x &amp; y"><b>1 &lt; 2</b><c/></a>');
    expect(root).toMatchObject({ name: 'a', attributes: { k: 'x & y' }, children: [{ name: 'b', text: '1 < 2' }, { name: 'c' }] });
  });
});
