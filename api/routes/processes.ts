import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allCommands, allStates, allTasks, finalStates, stateLabel, toBpmnInTurns, toMermaid } from '../../machines/describe.js';
import type { ProcessDefinition } from '../../machines/types.js';
import { DEFAULT_DEADLINE_RULES } from '../../calendars/index.js';
import { commandLabelOf, refuse } from '../../engine/index.js';
import type { App } from '../app.js';
import { ApiError } from '../problem.js';
import { callerOf } from '../auth.js';
import { textAnswer, UNAVAILABLE_BEFORE_ROUTE } from '../openapi.js';
import { docText } from '../docText.js';
import { CurrentQuery, wholeNumberQuery } from '../shape.js';

const ProcessView = z.object({
  name: z.string(),
  version: z.number().int(),
  title: z.string(),
  articles: z.array(z.string()),
  states: z.array(z.string()),
  stateLabels: z.record(z.string(), z.string()).describe(docText('各状态的中文名称', 'each state’s name in Chinese')),
  finalStates: z.array(z.string()),
  commands: z.array(z.string()),
  commandLabels: z.record(z.string(), z.string()).describe(docText('各指令的中文名称', 'each command’s name in Chinese')),
  deadlines: z.array(
    z.object({
      stage: z.string(),
      label: z.string(),
      role: z.string(),
      scope: z.string(),
      rule: z
        .unknown()
        .nullable()
        .describe(
          docText(
            '期限规则（n、unit、basis、article）；有 countsFrom（{ field, label }）时，若案件中该字段的日期晚于进入环节之日，则自该日起算；有 endsBy（{ field, label }）时，若案件中该字段的日期早于按规则算得的到期日，则以该日结束为期限（basis 为 agreement）',
            'the deadline rule (n, unit, basis, article); with countsFrom ({ field, label }), counted from the date in that field of the case when it is later than the day the stage is entered; with endsBy ({ field, label }), due at the end of the date in that field of the case when it comes before the rule’s due day (basis agreement)',
          ),
        ),
      urgent: z
        .literal(true)
        .optional()
        .describe(docText('无办理时限，但待办列表排在所有有期限的待办之前（如数据安全问题、主管部门暂停服务的知悉事项）', 'no deadline, yet listed before every task with one in inboxes (a data security problem reported, the authority’s suspension of a service)')),
      whenSentBy: z
        .string()
        .optional()
        .describe(docText('仅当该角色发出开启它的指令时才开启（如主管部门暂停服务时通知开放主体）', 'opened only when a party of this role sends the command that opens it (the provider told of the authority’s suspension)')),
    }),
  ),
});

/**
 * A task's configured rule, and where its count starts when that is a day the case agreed rather than
 * the day the stage is entered (conditionalApplication v3+: access, from the agreed start of use), as
 * the diagrams say it: a client counting ten working days from entry was told nothing else.
 */
function ruleView(deadline: { key: string; countFrom?: { field: string; what: string }; endsBy?: { field: string; what: string } }): unknown {
  const rule = DEFAULT_DEADLINE_RULES[deadline.key];
  if (!rule) return null;
  return {
    ...rule,
    ...(deadline.countFrom ? { countsFrom: { field: deadline.countFrom.field, label: deadline.countFrom.what } } : {}),
    ...(deadline.endsBy ? { endsBy: { field: deadline.endsBy.field, label: deadline.endsBy.what } } : {}),
  };
}

/** A process as data: its states, commands and the deadline each task runs under (resolved from configuration). */
function processView(def: ProcessDefinition): z.infer<typeof ProcessView> {
  return {
    name: def.name,
    version: def.version,
    title: def.title,
    articles: def.articles,
    states: allStates(def),
    stateLabels: Object.fromEntries(allStates(def).map((state) => [state, stateLabel(def, state)])),
    finalStates: finalStates(def),
    commands: allCommands(def),
    commandLabels: Object.fromEntries(allCommands(def).map((command) => [command, commandLabelOf(def, command)])),
    deadlines: allTasks(def).map((t) => ({
      stage: t.stage,
      label: t.label,
      role: t.role,
      scope: t.scope,
      rule: !t.deadline ? null : t.deadline.kind === 'rule' ? ruleView(t.deadline) : t.deadline,
      ...(t.urgent ? { urgent: t.urgent } : {}),
      ...(t.whenSentBy ? { whenSentBy: t.whenSentBy } : {}),
    })),
  };
}

export const processRoutes = (app: App): FastifyPluginAsyncZod => async (server) => {
  server.get(
    '/v1/processes',
    {
      schema: { operationId: 'listProcesses', summary: docText('全部流程及其版本', 'Every process and its versions'), querystring: CurrentQuery, response: { 200: z.array(ProcessView) } },
      config: {
        openapi: {
          responses: { 200: { description: docText('全部流程的全部版本：状态、指令，以及每个待办的期限', 'every version of every process: states, commands and the deadline of each task') } },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNAVAILABLE'],
          notes: {
            VALIDATION_FAILED: docText(
              '本路由不接受的查询参数，或 minPosition 不是有效的位置；`errors`：[{ path, message }]',
              'a query parameter the route does not take, or a minPosition that is no position; `errors`: [{ path, message }]',
            ),
            UNAVAILABLE: UNAVAILABLE_BEFORE_ROUTE,
          },
        },
      },
    },
    async (request) => {
      await callerOf(request, app.verifier);
      return app.registry.list().map(processView);
    },
  );

  server.get(
    '/v1/processes/:name/diagram',
    {
      schema: {
        operationId: 'getProcessDiagram',
        summary: docText('流程图（Mermaid 或 BPMN 2.0 XML）', 'A process diagram (Mermaid or BPMN 2.0 XML)'),
        params: z.strictObject({ name: z.string().min(1).max(100) }),
        querystring: z.strictObject({ format: z.enum(['mermaid', 'bpmn']).default('mermaid'), version: wholeNumberQuery(1).optional(), ...CurrentQuery.shape }),
      },
      config: {
        openapi: {
          responses: {
            200: textAnswer(
              docText(
                '最新版本（或 `version` 指定的版本）的 Mermaid 状态图（text/plain）；format=bpmn 时为 BPMN 2.0 XML（application/xml），连线绕开图形布设，名称标注在连线旁。状态的待办未说明由谁发送的指令，其箭头注明发送者（如申请人的撤回、系统自动的期满）',
                "the newest version (or `version`) as a Mermaid state diagram (text/plain), or BPMN 2.0 XML with format=bpmn (application/xml), its flows routed around the shapes and each name placed beside its flow. An arrow whose command the state's task does not say who sends names its sender (an applicant's withdrawal, the system's expiry)",
              ),
              'text/plain',
              'application/xml',
            ),
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UNAVAILABLE'],
          notes: { NOT_FOUND: docText('没有该名称的流程，或该流程没有此版本', 'no process of that name, or no such version of it'), UNAVAILABLE: UNAVAILABLE_BEFORE_ROUTE },
        },
      },
    },
    async (request, reply) => {
      await callerOf(request, app.verifier);
      const { name } = request.params;
      const { format, version } = request.query;
      const def = version ? app.registry.get(name, version) : app.registry.latest(name);
      if (!def) {
        const latest = app.registry.latest(name);
        if (!latest) throw refuse.unknownProcessNotFound(name);
        const has = latest.version === 1 ? { zh: '只有第 1 版', en: 'version 1 only' } : { zh: `已有 1–${latest.version} 版`, en: `versions 1–${latest.version}` };
        throw new ApiError('NOT_FOUND', { zh: `流程 ${name} 没有第 ${version} 版（${has.zh}）`, en: `process ${name} has no version ${version} (${has.en})` });
      }
      // Laid out in turns the first time (0.3–0.6 s for a conditionalApplication version), then kept.
      if (format === 'bpmn') return reply.type('application/xml; charset=utf-8').send(await toBpmnInTurns(def, DEFAULT_DEADLINE_RULES, app.diagramTurn));
      return reply.type('text/plain; charset=utf-8').send(toMermaid(def, DEFAULT_DEADLINE_RULES));
    },
  );
};
