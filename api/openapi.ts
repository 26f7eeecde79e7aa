/**
 * What GET /docs says beyond the routes' own zod schemas (API.md: OpenAPI 3.1, generated from the
 * zod schemas that validate requests):
 *
 * - the problems (RFC 9457) each route answers with, by status, every one a `Problem`;
 * - the forms of FORMS.md: every process's start input and every command's data, generated with
 *   `z.toJSONSchema` from the machines' own schemas, and the request bodies of `POST /v1/cases` and
 *   `POST /v1/cases/:id/commands` as unions of them. Those routes validate the envelope only; the
 *   engine validates `input` and `data` with the case's process and version, and reports it its way;
 * - answers a route sends without a schema of its own (reports answer CSV too, the audit export
 *   streams NDJSON, the inbox and the case list answer their read models as they are).
 *
 * Documentation only: nothing here validates, serialises or strips a request or an answer. Its words
 * are Chinese, with their English beside them (`docText`, api/docText.ts): GET /docs answers them in
 * English to a client that asks for it.
 */
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProcessRegistry } from '../machines/registry.js';
import type { Role } from '../machines/types.js';
import { docText, englishOf, type DocText } from './docText.js';
import { PROBLEM_CODES, ProblemBody, problemStatus, problemTitle, type ProblemCode } from './problem.js';
import { CaseListView, CommandBody, InboxPageView, OverdueReportView, SlaReportView, StartBody } from './shape.js';

type JsonSchema = Record<string, unknown>;

/** A response the route's schema does not give: its media types and their schemas. */
export interface DocResponse {
  description: DocText;
  /** Schema by media type; omitted, the route's own schema (if any) stays. */
  content?: Record<string, JsonSchema>;
  headers?: Record<string, { description: DocText; schema: JsonSchema }>;
}

/** What the document says of a route beyond its schema (`config.openapi` of the route). */
export interface RouteDocs {
  /** Every problem the route can answer with (API.md "Errors", and 413). */
  problems: readonly ProblemCode[];
  /** When a code means something particular on this route. */
  notes?: Partial<Record<ProblemCode, DocText>>;
  /** Successful answers: described, and documented where the route has no response schema. */
  responses?: Record<number, DocResponse>;
  /** A component that documents the JSON body in place of the route's envelope. */
  body?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What GET /docs says of the route beyond its schema (api/openapi.ts). */
    openapi?: RouteDocs;
  }
}

/** `#/components/schemas/<id>` */
export function ref(id: string): { $ref: string } {
  return { $ref: `#/components/schemas/${id}` };
}

export const PROBLEM_COMPONENT = 'Problem';
export const START_COMPONENT = 'StartCaseRequest';
export const COMMAND_COMPONENT = 'CommandRequest';

/** A JSON answer of a component, with the headers it carries if any. */
export function jsonAnswer(description: DocText, component: string, headers?: DocResponse['headers']): DocResponse {
  return { description, content: { 'application/json': ref(component) }, ...(headers ? { headers } : {}) };
}

/**
 * The header an answer from the read models carries once it has waited for `minPosition`
 * (`readModelsAt`, api/routes/work.ts): how far they had come. `when` says when the route sends it.
 */
export function readModelsPositionHeader(when: DocText = docText('请求带 minPosition 时给出', 'given when minPosition is asked')): NonNullable<DocResponse['headers']> {
  return {
    'X-Read-Models-Position': {
      description: docText(
        `读模型已到的日志位置（最多等待 2 秒之后）；${when}；小于 minPosition 即应答仍然滞后于它`,
        `the log position the read models had reached (after waiting for them up to 2 seconds); ${englishOf(when)}; below minPosition, the answer is still behind it`,
      ),
      schema: { type: 'string', pattern: '^[0-9]+$' },
    },
  };
}

/** A text answer (CSV, NDJSON, Mermaid, BPMN, Prometheus). */
export function textAnswer(description: DocText, ...mediaTypes: string[]): DocResponse {
  return { description, content: Object.fromEntries(mediaTypes.map((type) => [type, { type: 'string' }])) };
}

/** When each code is answered (API.md "Errors"), and the members it adds. */
const WHEN: Record<ProblemCode, DocText> = {
  VALIDATION_FAILED: docText(
    '路径参数、查询参数、请求头或请求体不符合要求（或请求体不是 JSON）；`errors`：[{ path, message }]',
    'the path, query, headers or body do not match their schema (or the body is not JSON); `errors`: [{ path, message }]',
  ),
  UNAUTHENTICATED: docText(
    '未携带 Bearer 令牌、签名无效、令牌未设有效期或已过期；应答带 WWW-Authenticate: Bearer',
    'no bearer token, a bad signature, no expiry, or expired; answered with WWW-Authenticate: Bearer',
  ),
  FORBIDDEN: docText(
    '令牌所指机构与其角色不符：公共数据开放主体的令牌所指机构在机构目录中不是开放主体；主管部门、监督者、审计者或管理员的令牌所指机构不是主管部门（管理员应为省公共数据开放主管部门，第六条）；申请人的令牌所指为机构目录中的机构（或其编码的变体写法）',
    "the token's organisation does not fit its role: a provider's token names no provider unit of the organisation directory; an authority's, supervisor's, auditor's or admin's names no competent authority (an admin's must be the provincial one, Article 6); an applicant's names an organisation of the directory (or its code spelt otherwise)",
  ),
  NOT_FOUND: docText('案件不存在，或调用方无权查看该案件', 'an unknown case, or one the caller may not see'),
  INVALID_TRANSITION: docText(
    '案件当前状态不接受此指令；`state`、`allowed`（调用方当前可以发送的指令）',
    "the case's state does not accept this command; `state`, `allowed` (the commands the caller may send now)",
  ),
  REVISION_CONFLICT: docText(
    '`expectedRevision` 已过时（案件已有更新）；`currentRevision`，以及 `state`、`allowed`：detail 说明最近一次办理了什么，所发指令仍可发送时请核对后按当前版本重发（其间只有系统重新确定期限的，说明案件内容未变）；此状态接受该指令但按案件现在的情况会被拒绝的，说明拒绝的规则；否则无需重试并说明案件正在等待谁',
    "`expectedRevision` is stale; `currentRevision`, with `state` and `allowed`: the detail says what was done last and, when the command may still be sent, to check the case and send it again with the current revision (saying that nothing but deadlines changed, when only the system re-stated them meanwhile); when the state takes the command but the case as it is now would refuse it, the rules that would; else that there is nothing to retry and whose work the case waits on",
  ),
  PAYLOAD_TOO_LARGE: docText('请求体超过 1 MiB', 'the body is larger than 1 MiB'),
  RULE_VIOLATED: docText(
    '格式正确，但违反业务规则（申请资格、辖区、期限……）；`rule`、`article`',
    'well-formed, but breaks a rule (eligibility, jurisdiction, periods…); `rule`, `article`',
  ),
  CALENDAR_NOT_COVERED: docText(
    '期限将落在已载入节假日安排通知的最后一个年度之后一年以上；`year`',
    'a deadline would fall more than one year past the last year whose holiday notice is loaded; `year`',
  ),
  UNAVAILABLE: docText(
    'API.md 之外的补充：服务因自身原因（而非请求的问题）暂时无法处理；`reason`（readModelsRebuilding：读模型正在重建，此时的结果会不完整；storeBusy：其他进程长时间占用存储的写锁，未保存任何内容；storeReadOnly、storeFull；storeUnreachable：无法连接数据存储（EventStoreDB），指令可能已保存也可能未保存，带同一 Idempotency-Key 重试不会重复保存；storeUnreadable：存储的某个事件无法读取；streamDamaged：案件存储的事件流无法按其流程重放，verify 可指出第一个不符的事件；upgradeRequired：案件按更新版本的流程办理，本服务版本过旧，需升级，未保存任何内容；eventsMissing：案件的事件流在已记录的版本之前就结束了，verify 可列出缺失的内容；identityProviderUnreachable：无法校验 Bearer 令牌，所有需认证的路由均可能如此；streamDeleted：要写入的 EventStoreDB 事件流已被管理员永久删除，未保存任何内容；shuttingDown：服务正在停止，所有路由均可能如此，未做任何处理），等待有用时附 Retry-After',
    'beyond API.md: the server cannot answer now for a reason of its own, not the request\'s; `reason` (readModelsRebuilding: a rebuild is under way and the answer would be incomplete; storeBusy: another process held the store\'s write lock too long, nothing was stored; storeReadOnly, storeFull; storeUnreachable: the data store (EventStoreDB) cannot be reached, a command may or may not have been stored, and a retry with the same Idempotency-Key never stores it twice; storeUnreadable: a stored event cannot be read; streamDamaged: the stored stream of the case cannot be replayed through its process, and verify names its first bad event; upgradeRequired: the case follows a newer version of its process than this server has, nothing was stored; eventsMissing: the stream of the case ends before the revision recorded, and verify names what is missing; identityProviderUnreachable: the bearer token cannot be checked, on every authenticated route; streamDeleted: the EventStoreDB stream to write was deleted for good by an operator, nothing was stored; shuttingDown: the server is stopping, on every route, nothing was done), and Retry-After when waiting helps',
  ),
};

/** UNAVAILABLE on a route that reads no store: only the token check or a server stopping answers it. */
export const UNAVAILABLE_BEFORE_ROUTE = docText(
  'API.md 之外的补充：暂时无法校验 Bearer 令牌（`reason` identityProviderUnreachable：无法访问 JWKS），或服务正在停止（shuttingDown）；附 Retry-After',
  'beyond API.md: the bearer token cannot be checked now (`reason` identityProviderUnreachable: the JWKS is out of reach), or the server is stopping (shuttingDown); with Retry-After',
);
/** UNAVAILABLE on an open route: only a server stopping answers it. */
export const UNAVAILABLE_SHUTTING_DOWN = docText(
  'API.md 之外的补充：服务正在停止（`reason` shuttingDown），未做任何处理；附 Retry-After',
  'beyond API.md: the server is stopping (`reason` shuttingDown): nothing was done; with Retry-After',
);

/** Every route answers its problems (and GET /docs its words) in the language this header prefers (API.md "Errors"). */
const ACCEPT_LANGUAGE = {
  in: 'header',
  name: 'Accept-Language',
  required: false,
  description: docText(
    '应答的语言：默认为中文；偏好 en 时（如 en、en-US,zh;q=0.5）问题详情（title、detail、errors 的 message）为英文，应答带 Content-Language',
    'the language of the answer: Chinese by default; when en is preferred (en, en-US,zh;q=0.5) problems (title, detail, the messages of errors) are in English, with Content-Language',
  ),
  schema: { type: 'string' },
};
const WWW_AUTHENTICATE = docText('取值为 Bearer realm="sd-open-data"', 'Bearer realm="sd-open-data"');
const RETRY_AFTER = docText('等待多少秒后再试（等待有用时给出）', 'seconds to wait before trying again, when waiting helps');

/** The problem responses of a route, one per status, each a `Problem` with the codes it may carry. */
export function problemResponses(docs: Pick<RouteDocs, 'problems' | 'notes'>): Record<string, JsonSchema> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of PROBLEM_CODES) {
    if (!docs.problems.includes(code)) continue;
    const status = problemStatus(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, JsonSchema> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const when = (code: ProblemCode) => docs.notes?.[code] ?? WHEN[code];
    const description = docText(
      codes.map((code) => `${code}（${problemTitle(code).zh}）：${when(code)}`).join('\n\n'),
      codes.map((code) => `${code} (${problemTitle(code).en}): ${englishOf(when(code))}`).join('\n\n'),
    );
    responses[String(status)] = {
      description,
      ...(status === 401 ? { headers: { 'WWW-Authenticate': { description: WWW_AUTHENTICATE, schema: { type: 'string' } } } } : {}),
      ...(status === 503 ? { headers: { 'Retry-After': { description: RETRY_AFTER, schema: { type: 'string' } } } } : {}),
      content: {
        'application/problem+json': {
          schema: { allOf: [ref(PROBLEM_COMPONENT), { properties: { code: { enum: codes } } }] },
        },
      },
    };
  }
  return responses;
}

// ── Components ──────────────────────────────────────────────────────────────────────────

const roleNames = (roles: readonly Role[], separator = ', ') => [...new Set(roles)].join(separator);

interface Entry {
  schema: z.ZodType;
  id: string;
  /** A form's name (its process's and command's Chinese labels), with the English one an English reader gets (the codes: OpenAPI QA, the English document carried 51 Chinese titles). */
  title?: { zh: string; en: string };
  description: { zh: string; en: string };
}

/** JSON schemas of registered zod schemas, as components: `$ref`s between them, no `$schema`/`$id` of their own. */
function toComponents(entries: readonly Entry[], io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const e of entries) registry.add(e.schema, { id: e.id });
  // `io: 'input'`: the shapes a client sends (before trims and defaults); refinements (from ≤ to, check digits) are not expressible.
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id) => ref(id).$ref,
  });
  const components: Record<string, JsonSchema> = {};
  for (const e of entries) {
    const { $schema: _schema, $id: _id, ...schema } = schemas[e.id] as JsonSchema;
    components[e.id] = { ...(e.title ? { title: docText(e.title.zh, e.title.en) } : {}), description: docText(e.description.zh, e.description.en), ...schema };
  }
  return components;
}

/** A fresh copy of a machine's schema, so one component holds it (forms share `Reason`, `NoData`…). */
const copy = <T extends z.ZodType>(schema: T): T => schema.clone() as T;

/** A union's options as zod wants them: at least one. */
function nonEmpty<T>(items: T[], what: string): [T, ...T[]] {
  if (items.length === 0) throw new Error(`OpenAPI: no ${what}`);
  return items as [T, ...T[]];
}

/**
 * The forms of every process (FORMS.md), the request bodies built of them, the problem and the
 * answers documented here: the components of the document.
 */
export function openapiComponents(processes: ProcessRegistry): Record<string, JsonSchema> {
  const requests: Entry[] = [];
  const startBranches: z.ZodObject[] = [];
  const startMapping: Record<string, string> = {};
  /** Command type → every process's form of its data (the newest version's first). */
  const commands = new Map<string, { process: string; id: string; schema: z.ZodType; clientSent: boolean; accepts: boolean; label: string }[]>();

  for (const name of processes.names()) {
    const versions = processes.list().filter((d) => d.name === name).sort((a, b) => b.version - a.version);
    const latest = versions[0]!;
    // New cases start on the newest version.
    const input = copy(latest.start.schema);
    requests.push({
      schema: input,
      id: `${name}.start`,
      title: { zh: `${latest.title}：发起`, en: `${name}: start` },
      description: {
        zh: `${name} 第 ${latest.version} 版的发起表单（FORMS.md）；由 ${roleNames(latest.start.actors.map((a) => a.role), '、')} 发送。`,
        en: `The start input of ${name} v${latest.version} (FORMS.md); sent by ${roleNames(latest.start.actors.map((a) => a.role))}.`,
      },
    });
    const branch = StartBody.extend({ process: z.literal(name), input });
    startBranches.push(branch);
    startMapping[name] = ref(`StartCase.${name}`).$ref;
    requests.push({
      schema: branch,
      id: `StartCase.${name}`,
      title: { zh: latest.title, en: name },
      description: { zh: `发起一个 ${name}（${latest.title}）案件。`, en: `Starts a case of ${name}.` },
    });

    // A command's data: one component per distinct schema across versions (a case keeps its version for ever).
    const seen = new Map<string, { schema: z.ZodType; id: string; versions: number[] }[]>();
    for (const def of versions) {
      for (const [type, spec] of Object.entries(def.commands)) {
        const known = seen.get(type) ?? [];
        const same = known.find((k) => k.schema === spec.schema);
        if (same) {
          same.versions.push(def.version);
          continue;
        }
        const id = known.length === 0 ? `${name}.${type}` : `${name}.v${def.version}.${type}`;
        known.push({ schema: spec.schema, id, versions: [def.version] });
        seen.set(type, known);
        const roles = spec.actors.map((a) => a.role);
        const clientSent = roles.some((r) => r !== 'system');
        const data = copy(spec.schema);
        requests.push({
          schema: data,
          id,
          title: { zh: `${def.title}：${spec.label}`, en: `${name}: ${type}` },
          description: {
            zh: `${name} 案件上 ${type} 指令的数据（FORMS.md）${clientSent ? `；由 ${roleNames(roles, '、')} 发送` : '；仅由系统发送'}。`,
            en: `The data of ${type} on ${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name} case (FORMS.md)${clientSent ? `; sent by ${roleNames(roles)}` : '; sent by the system only'}.`,
          },
        });
        const list = commands.get(type) ?? [];
        list.push({ process: name, id, schema: data, clientSent, accepts: spec.schema.safeParse({}).success, label: spec.label });
        commands.set(type, list);
      }
    }
    // Which versions each component is the form of, when not all.
    for (const known of seen.values()) {
      for (const k of known) {
        if (k.versions.length === versions.length) continue;
        const entry = requests.find((e) => e.id === k.id)!;
        const sorted = k.versions.sort((a, b) => a - b);
        entry.description.zh += `适用于第 ${sorted.join('、')} 版（共 ${versions.length} 版）。`;
        entry.description.en += ` ${sorted.length === 1 ? 'Version' : 'Versions'} ${sorted.join(', ')} of ${versions.length}.`;
      }
    }
  }

  requests.push({
    schema: z.discriminatedUnion('process', nonEmpty(startBranches, 'process')),
    id: START_COMPONENT,
    description: {
      zh: 'POST /v1/cases：流程及其发起表单（FORMS.md）。未定义的字段会被拒绝。表单无法表达的规则（时间段 from ≤ to、统一社会信用代码或身份证号的校验、申请资格）同样会校验：不符合时答 400 VALIDATION_FAILED 或 422 RULE_VIOLATED，不创建案件。',
      en: 'POST /v1/cases: the process, and its start input (FORMS.md). Unknown fields are refused. Rules a form cannot say (a period from ≤ to, a credit code or ID number check, eligibility) are checked too: 400 VALIDATION_FAILED or 422 RULE_VIOLATED, and no case is created.',
    },
  });

  const commandBranches: z.ZodObject[] = [];
  const commandMapping: Record<string, string> = {};
  const systemOnly: string[] = [];
  for (const type of [...commands.keys()].sort()) {
    const forms = commands.get(type)!.filter((f) => f.clientSent);
    if (forms.length === 0) {
      systemOnly.push(type);
      continue;
    }
    const [first, ...rest] = forms.map((f) => f.schema);
    const data = rest.length === 0 ? first! : z.union([first!, ...rest]);
    // The engine reads an omitted `data`, or null, as {}: documented optional and nullable when a process's form
    // takes {} (the description says which). OpenAPI QA: `"data": null` was accepted where the schema said object.
    const optional = forms.some((f) => f.accepts);
    const branch = CommandBody.extend({ type: z.literal(type), data: optional ? data.nullable().optional() : data });
    commandBranches.push(branch);
    commandMapping[type] = ref(`Command.${type}`).$ref;
    requests.push({
      schema: branch,
      id: `Command.${type}`,
      title: { zh: type, en: type },
      description: {
        zh: `${type}；其 data 为案件所属流程的表单：\n\n${forms.map((f) => `- ${f.process}：${f.label}`).join('\n')}${optional ? `\n\n省略 data 时按 {} 处理：${forms.filter((f) => f.accepts).map((f) => f.process).join('、')} 案件上可以省略。` : ''}`,
        en: `${type}; its data is the form of the case's process:\n\n${forms.map((f) => `- ${f.process}: ${f.id}`).join('\n')}${optional ? `\n\nOmitted data is read as {}: it may be left out on ${forms.filter((f) => f.accepts).map((f) => f.process).join(', ')} cases.` : ''}`,
      },
    });
  }
  requests.push({
    schema: z.discriminatedUnion('type', nonEmpty(commandBranches, 'command')),
    id: COMMAND_COMPONENT,
    description: {
      zh: `POST /v1/cases/{id}/commands：指令、其数据（案件所属流程及版本的表单，FORMS.md），以及可选的据以作出决定的案件版本号。当前状态不接受的指令答 409 INVALID_TRANSITION，流程中没有的指令亦然。${systemOnly.length ? `仅由系统发送、从不接受客户端发送的指令：${systemOnly.join('、')}。` : ''}`,
      en: `POST /v1/cases/{id}/commands: the command, its data (the form of the case's process and version, FORMS.md) and optionally the revision it was decided on. A command the state does not take is 409 INVALID_TRANSITION; a command the process does not know, too.${systemOnly.length ? ` Sent by the system only, never accepted from a client: ${systemOnly.join(', ')}.` : ''}`,
    },
  });

  const components = {
    ...toComponents(requests, 'input'),
    ...toComponents(
      [
        {
          schema: ProblemBody,
          id: PROBLEM_COMPONENT,
          description: {
            zh: 'application/problem+json（RFC 9457，API.md「Errors」）：title 与 detail 默认为中文，请求带 Accept-Language: en 时为英文。',
            en: 'application/problem+json (RFC 9457, API.md "Errors"): title and detail in Chinese by default, English with Accept-Language: en.',
          },
        },
        { schema: InboxPageView, id: 'InboxPage', description: { zh: 'GET /v1/inbox：调用方的待办，最紧急的在前。', en: "GET /v1/inbox: the caller's open tasks, most urgent first." } },
        { schema: CaseListView, id: 'CaseListPage', description: { zh: 'GET /v1/cases：调用方可以查看的案件，最新的在前。', en: 'GET /v1/cases: the cases the caller may see, newest first.' } },
        {
          schema: OverdueReportView,
          id: 'OverdueReport',
          description: {
            zh: 'GET /v1/reports/overdue：截至 asOf 已逾期的全部环节，包括尚未办结的和逾期办结的。',
            en: 'GET /v1/reports/overdue: every stage past its deadline at asOf, open or finished late.',
          },
        },
        {
          schema: SlaReportView,
          id: 'SlaReport',
          description: { zh: 'GET /v1/reports/sla：在 [from, to) 内办结的环节的按时办结率。', en: 'GET /v1/reports/sla: on-time rates of the stages finished in [from, to).' },
        },
      ],
      'output',
    ),
  };
  // OpenAPI's discriminator names the branch by the property's value (tools pick the form by it).
  components[START_COMPONENT] = { ...components[START_COMPONENT], discriminator: { propertyName: 'process', mapping: startMapping } };
  components[COMMAND_COMPONENT] = { ...components[COMMAND_COMPONENT], discriminator: { propertyName: 'type', mapping: commandMapping } };
  return components;
}

// ── The swagger hooks ───────────────────────────────────────────────────────────────────

/** Carries a route's docs from `transform` to `transformObject` (removed from the document there). */
const DOCS_KEY = 'x-route-docs';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

type Operation = { requestBody?: JsonSchema; responses?: Record<string, JsonSchema>; [DOCS_KEY]?: RouteDocs } & JsonSchema;

function applyDocs(op: Operation, docs: RouteDocs): void {
  if (docs.body) op.requestBody = { required: true, content: { 'application/json': { schema: ref(docs.body) } } };
  const responses: Record<string, JsonSchema> = { ...op.responses };
  for (const [status, answer] of Object.entries(docs.responses ?? {})) {
    const own = responses[status];
    const content = answer.content ? Object.fromEntries(Object.entries(answer.content).map(([type, schema]) => [type, { schema }])) : own?.content;
    responses[status] = { description: answer.description, ...(answer.headers ? { headers: answer.headers } : {}), ...(content ? { content } : {}) };
  }
  op.responses = { ...responses, ...problemResponses(docs) };
}

/**
 * `transform` and `transformObject` for @fastify/swagger: the routes' zod schemas as
 * fastify-type-provider-zod converts them, then each route's `config.openapi` and the components.
 */
export function openapiHooks(processes: ProcessRegistry): { transform: SwaggerTransform; transformObject: SwaggerTransformObject } {
  return {
    transform(input) {
      const out = jsonSchemaTransform(input);
      const docs = input.route.config?.openapi;
      return docs ? { ...out, schema: { ...out.schema, [DOCS_KEY]: docs } } : out;
    },
    transformObject(input) {
      if (!('openapiObject' in input)) throw new Error('OpenAPI 3 only');
      const doc = input.openapiObject as JsonSchema & { paths?: Record<string, Record<string, Operation | undefined>>; components?: JsonSchema & { schemas?: JsonSchema } };
      for (const item of Object.values(doc.paths ?? {})) {
        for (const method of METHODS) {
          const op = item[method];
          if (op) op.parameters = [...((op.parameters as JsonSchema[] | undefined) ?? []), ACCEPT_LANGUAGE];
          const docs = op?.[DOCS_KEY];
          if (!op || !docs) continue;
          delete op[DOCS_KEY];
          applyDocs(op, docs);
        }
      }
      doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ...openapiComponents(processes) } };
      return doc;
    },
  };
}

