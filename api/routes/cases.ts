import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { asCode, asPartyCode, INVALID_CHARACTERS, isCleanText } from '../../machines/schemas.js';
import { canSee } from '../../directory/visibility.js';
import { stateLabel } from '../../machines/describe.js';
import { DamagedStreamError, isDamagedStore, refuse, type CaseState } from '../../engine/index.js';
import { ApiError, inLanguage, langOf, PROBLEM_CODES, type Lang } from '../problem.js';
import { mayKnowOf, visibleWaits, type App } from '../app.js';
import { callerOf, type Caller } from '../auth.js';
import { caseHistory, historyEntry, historyJson, openedArticles } from '../../projections/audit.js';
import { unwritableFact } from '../../projections/metadata.js';
import { caughtUp, notAhead, readModelsAt } from './work.js';
import { CaseQuery, CaseView, caseView, CommandBody, publishedView, CurrentQuery, HistoryEvent, historyWords, labelledEvent, TaskInHistory, labelledHistory, MinPosition, provisionalNote, type ProvisionalTask, registryFilters, StartBody, StartedCaseView, wholeNumberQuery } from '../shape.js';
import { COMMAND_COMPONENT, jsonAnswer, readModelsPositionHeader, START_COMPONENT } from '../openapi.js';
import { docText } from '../docText.js';
import { cutEnd, verifyCase, type CaseVerification } from '../verifyCase.js';

// Case ids are lower-case UUIDs; one pasted in capitals (a spreadsheet's), full-width or with a space or zero-width space from its cell names the same case.
const IdParams = z.strictObject({ id: z.string().overwrite(asCode).min(1).max(100).toLowerCase() });
const IdempotencyHeaders = z.object({ 'idempotency-key': z.string().min(1).max(200).optional() });

/**
 * A case as the caller is shown it: the commands it may send, who its tasks' organisations are, how
 * their deadlines stand now, and the texts its machine wrote in its context in the caller's language
 * (which the answer then says: Content-Language, Vary).
 */
function caseViewFor(app: App, caller: Caller, state: CaseState, request: FastifyRequest, reply: FastifyReply): ReturnType<typeof caseView> {
  const lang = langOf(request);
  const calendar = app.calendar.current();
  const now = { calendar, asOf: app.clock.now().toISOString(), provisionalNote: (task: ProvisionalTask) => provisionalNote(calendar, task, lang) };
  const def = app.registry.get(state.process, state.version);
  const written = def?.writtenTexts;
  if (written) inLanguage(reply, lang);
  const holders = { name: (task: { role: string; org: string }) => app.engine.orgNameOf(state, task), acting: (task: { org: string; orgs?: unknown }) => app.engine.actingOrgs(task) };
  return caseView(state, app.engine.allowedCommands(state, caller), now, holders, lang === 'en' ? written : undefined, def);
}

/** A listed case's state in words, by its own machine version (a version this build lacks: its code). */
function stateLabelOf(app: App, item: { process: string; version: number; state: string }): string {
  const def = app.registry.get(item.process, item.version);
  return def ? stateLabel(def, item.state) : item.state;
}

/** A case's verification (`GET /v1/cases/:id/verify`; a damaged case's history carries it too). */
const Verification = z.object({
  ok: z.boolean(),
  events: z.number().int(),
  failedAt: z.object({ revision: z.number().int(), position: z.number().int(), eventId: z.string(), type: z.string() }).optional(),
  missing: z
    .object({ fromRevision: z.number().int(), toRevision: z.number().int(), lastPosition: z.number().int() })
    .optional()
    .describe(
      docText(
        '事件流末尾缺失、但读模型曾记录的事件（哈希链无法显示末尾的缺失）',
        'events cut off the end of the stream, which the read models had recorded (a hash chain cannot show a missing end)',
      ),
    ),
  upgradeRequired: z
    .object({ process: z.string(), version: z.number().int(), newestKnown: z.number().int().nullable() })
    .optional()
    .describe(
      docText(
        '案件按更新版本的流程办理，本服务版本过旧：哈希链已核验，按其规则重放需升级后进行',
        'the case follows a newer version of its process than this server has: its hash chain was checked, its replay needs an upgrade',
      ),
    ),
  reason: z.string().optional(),
});

/**
 * A case whose stored events cannot be read or folded here (damaged, or of a newer version than this
 * build has): the case list's row says who may know of it. They get the store's error (503, naming
 * the event, the stream or the version); anyone else learns nothing (404), whether reading the case
 * or sending it a command.
 */
function hideFromStrangers(app: App, caller: Caller, caseId: string, err: unknown): void {
  if (isDamagedStore(err) && !mayKnowOf(app, caller, caseId)) throw refuse.notFound(caseId);
}

/** A case's history as GET /v1/cases/:id/history answers it. */
const HistoryAnswer = z.object({
  events: z.array(HistoryEvent),
  asOf: z.string().optional(),
  stateAsOf: z.string().nullable().optional(),
  stateAsOfLabel: z
    .string()
    .nullable()
    .optional()
    .describe(docText('stateAsOf 的中文名称，不随 Accept-Language 变化', 'stateAsOf in Chinese, whatever Accept-Language asks')),
  tasksAsOf: z.array(TaskInHistory.extend({ overdue: z.boolean() })).optional(),
  verification: Verification.optional().describe(
    docText(
      '仅当案件存储的事件无法按流程重放（被改动、移动或删除）时给出：历史为存储的原样，verify 的结果说明在何处、因何失败',
      'given only when the stored events of the case cannot be replayed through its process (altered, moved or deleted): the history is as stored, and verify’s answer says where and why it fails',
    ),
  ),
});

/** The case's verification (`verifyCase`), its reason, when it has one, in `lang`. */
async function verifiedIn(app: App, caseId: string, lang: Lang): Promise<CaseVerification> {
  const { reasonEn, ...verification } = await verifyCase(app, caseId);
  return lang === 'en' && reasonEn !== undefined ? { ...verification, reason: reasonEn } : verification;
}

/** A case the caller may not see answers 404 everywhere, exactly like an unknown one (API.md "Identity"). */
async function visibleCase(app: App, caller: Caller, caseId: string): Promise<CaseState> {
  let state: CaseState;
  try {
    state = await app.engine.getCase(caseId);
  } catch (err) {
    hideFromStrangers(app, caller, caseId, err);
    throw err;
  }
  if (!canSee(app.directory, caller, app.engine.partiesOf(state))) throw refuse.notFound(caseId);
  return state;
}

/**
 * A case whose stream ends before the revision the read models recorded has lost its last events
 * (a hash chain cannot show a cut end): shown as it is, it would look whole, and a command added to
 * it would take the lost revision's place and erase the trace. Answered 503 instead, to a caller who
 * may see the case; `verify` names what is missing. (The read models never run ahead of the log:
 * inline they commit with it, following they lag behind it.) But another node sharing the file may
 * commit between this node's read of the stream and its read of the read models: a cut seen once is
 * `MaybeRace`, and the caller reads again — the read models' end first, then the stream, which then
 * holds at least that end unless events are really missing (`end`).
 */
function refuseCutStream(app: App, state: CaseState, again?: { end: CaseEnd }): void {
  const cut = cutEnd(again ? again.end : app.readModels.caseEnd(state.caseId), state.revision);
  if (!cut) return;
  if (!again) throw new MaybeRace();
  throw new ApiError(
    'UNAVAILABLE',
    { zh: `案件的${cut.text.zh}，请联系管理员核查（verify 可列出缺失的事件）`, en: `the case's ${cut.text.en}; ask an administrator (verify lists them)` },
    { reason: 'eventsMissing', position: cut.missing.lastPosition },
  );
}

type CaseEnd = ReturnType<App['readModels']['caseEnd']>;

/** A cut end seen once: perhaps another node's commit between two reads (`refuseCutStream`). */
class MaybeRace extends Error {
  constructor() {
    super('the read models are ahead of the stream read: read again');
  }
}

/** `read`, and once more if it saw a cut end (`MaybeRace`): the read models' end taken first, then the stream. */
async function rereadOnCut<T>(app: App, caseId: string, read: (again?: { end: CaseEnd }) => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof MaybeRace)) throw err;
    return read({ end: app.readModels.caseEnd(caseId) });
  }
}

/** The case, visible to the caller, and whole (`refuseCutStream`). */
function wholeCase(app: App, caller: Caller, caseId: string): Promise<CaseState> {
  return rereadOnCut(app, caseId, async (again) => {
    const state = await visibleCase(app, caller, caseId);
    refuseCutStream(app, state, again);
    return state;
  });
}

/** The case, visible to the caller and whole, as the clock has it: its due system commands stored first (`Engine.caseNow`). */
async function caseNow(app: App, caller: Caller, caseId: string): Promise<CaseState> {
  const state = await wholeCase(app, caller, caseId);
  const now = await app.engine.caseNow(state);
  return now === state ? state : wholeCase(app, caller, caseId);
}

/**
 * Events of a history answered at once, through the response schema; a longer one is written in pieces
 * (`historyJson`), each a few milliseconds of work.
 */
const HISTORY_AT_ONCE = 500;

export const caseRoutes = (app: App): FastifyPluginAsyncZod => async (server) => {
  const filters = registryFilters(app.registry);
  server.post(
    '/v1/cases',
    {
      schema: {
        operationId: 'startCase',
        summary: docText('发起流程（新建案件）', 'Start a process (a new case)'),
        headers: IdempotencyHeaders,
        body: StartBody,
        response: { 201: StartedCaseView },
      },
      config: {
        openapi: {
          // The route checks the envelope; the document publishes every process's form (FORMS.md).
          body: START_COMPONENT,
          responses: {
            201: {
              description: docText(
                '新建的案件，与 GET /v1/cases/{id} 的应答相同，另有 position（发起事件的位置，供 minPosition 使用）；同一调用方以相同的 Idempotency-Key 重复请求时，再次应答首次创建的案件，不保存任何新内容',
                'the new case, as GET /v1/cases/{id} answers it, with position (of the start, for minPosition); the same Idempotency-Key from the same caller answers the first case again and stores nothing',
              ),
              headers: { Location: { description: docText('该案件的地址 /v1/cases/{id}', '/v1/cases/{id} of the case'), schema: { type: 'string' } } },
            },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'PAYLOAD_TOO_LARGE', 'RULE_VIOLATED', 'CALENDAR_NOT_COVERED', 'UNAVAILABLE'],
          notes: {
            VALIDATION_FAILED: docText(
              '请求体不是 JSON 或不是 { process, input }，流程未知，或 input 不符合其表单（FORMS.md）；`errors`：[{ path, message }]',
              'the body is not JSON or not { process, input }, the process is unknown, or the input does not match its form (FORMS.md); `errors`: [{ path, message }]',
            ),
            FORBIDDEN: docText(
              '该角色不能发起此流程，或不能为 input 所指的机构发起；或令牌所指机构在机构目录中不是该类机构',
              'this role may not start this process, or not for the organisation the input names; or the token names no organisation of its kind in the directory',
            ),
            RULE_VIOLATED: docText(
              'input 格式正确，但违反业务规则（第十三条申请资格、安全承诺、使用期限已结束、开放主体不在机构目录中或区域没有公共数据开放主管部门……）；`rule`、`article`。不创建案件',
              'the input is well-formed but breaks a rule (eligibility, Article 13; the security commitment; a use period already over, a provider or region without its authority…); `rule`, `article`. No case is created',
            ),
          },
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const key = request.headers['idempotency-key'];
      const result = await app.engine.start({
        process: request.body.process,
        input: request.body.input,
        actor: caller,
        correlationId: request.id,
        ...(key ? { idempotencyKey: key } : {}),
      });
      // API.md: the same key answers the first answer — the case as that start left it.
      const state = result.replayed ? await app.engine.caseAt(result.caseId, result.revision) : await app.engine.getCase(result.caseId);
      reply.code(201).header('location', `/v1/cases/${result.caseId}`);
      return { ...caseViewFor(app, caller, state, request, reply), replayed: result.replayed, position: result.position };
    },
  );

  server.get(
    '/v1/cases',
    {
      schema: {
        operationId: 'listCases',
        summary: docText('我可以查看的案件', 'The cases I may see'),
        querystring: z.strictObject({
          process: filters.process.optional(),
          state: filters.state.optional(),
          final: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
          org: z.string().overwrite(asPartyCode).min(1).max(100).refine(isCleanText, INVALID_CHARACTERS).optional(),
          limit: wholeNumberQuery(1, 100).optional(),
          cursor: z.string().max(2000).optional(),
          ...MinPosition,
        }).superRefine(filters.stateOfProcess),
      },
      config: {
        openapi: {
          responses: {
            200: jsonAnswer(
              docText('调用方可以查看的案件，最新的在前；nextCursor 为下一页的游标，没有下一页时为 null', 'the cases the caller may see, newest first; nextCursor is the cursor of the next page, or null'),
              'CaseListPage',
              readModelsPositionHeader(),
            ),
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNAVAILABLE'],
          notes: {
            VALIDATION_FAILED: docText(
              '筛选条件格式不对、流程或状态未知，或游标不是本接口给出的；`errors`：[{ path, message }]',
              'a filter of the wrong form, an unknown process or state, or a cursor the API did not give; `errors`: [{ path, message }]',
            ),
          },
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const { minPosition, ...filters } = request.query;
      await caughtUp(app, reply, minPosition);
      // An organisation of the directory typed in another letter case (370100-GAJ) is that organisation.
      if (filters.org !== undefined) filters.org = app.directory.spelling(filters.org);
      const page = app.readModels.cases({ caller, asOf: app.clock.now(), ...filters });
      return {
        // `id` names the case as GET /v1/cases/:id does; `caseId` stays for the clients written against it.
        // The state in words (applicants' QA: a list of codes, rejected, closed, for a citizen to read).
        items: page.items.map(({ streamId: _stream, parties: _parties, ...item }) => ({ id: item.caseId, ...item, stateLabel: stateLabelOf(app, item) })),
        nextCursor: page.nextCursor,
      };
    },
  );

  server.get(
    '/v1/cases/:id',
    {
      schema: { operationId: 'getCase', summary: docText('案件当前状态', 'A case now'), params: IdParams, querystring: CaseQuery, response: { 200: CaseView } },
      config: {
        openapi: {
          responses: {
            200: {
              description: docText('案件的当前状态，以及调用方当前可以发送的指令', 'the case now, with the commands the caller may send'),
              // awaitedBy and awaiting come from the read models: waited for only where they follow the store (CaseQuery).
              headers: readModelsPositionHeader(docText('仅在 EventStoreDB 模式下、请求带 minPosition 时给出（awaitedBy、awaiting 来自读模型）', 'given only in EventStoreDB mode, when minPosition is asked (awaitedBy and awaiting come from the read models)')),
            },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UNAVAILABLE'],
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const state = await caseNow(app, caller, request.params.id);
      const view = caseViewFor(app, caller, state, request, reply);
      // 第十五条: 通过开放平台进行开放 — whoever may see the case is told what the platform shows of the
      // release it was opened through (the release itself stays its provider's and authority's to read).
      const facts = await app.engine.linkedFacts(state);
      const lang = langOf(request);
      // The cases waiting on this one (a request whose 第十五条 deadline hangs on this release's publication), as
      // its inbox items carry them: only those the caller may see (a case it may not see is never named).
      // They come from the read models, which follow the store with EventStoreDB: a command's effect is
      // waited for when its position is asked (API.md `minPosition`, bounded as on every read endpoint), and
      // the answer says how far they had come, as the inbox's does: below it, awaitedBy (and awaiting) may be behind.
      // Embedded, they commit with the log: nothing to wait for, nor to tell.
      // Read models a newer build beside this one rebuilt, or half rebuilt, give none (ReadModels.waits).
      // So does what this case waits on (a request waiting for a release's publication), as its inbox item
      // carries it: named only to a caller who may see that case (a request's applicant may not see the release).
      const { minPosition } = request.query;
      if (minPosition !== undefined && app.readModels.mode === 'follow') await readModelsAt(app, reply, minPosition);
      const waits = visibleWaits(app, caller, app.readModels.waits(state.caseId, state.process, lang));
      // A deadline a holiday notice moved says the date it replaced, as its inbox item does — when the read
      // models' task has the due date the case has (with EventStoreDB they may not have come that far yet).
      const restated = state.tasks.length > 0 ? app.readModels.restatedFrom(state.caseId) : undefined;
      if (restated && restated.size > 0) {
        view.tasks = view.tasks.map((task) => {
          const r = restated.get(task.stage);
          return r && r.dueDate === task.dueDate ? { ...task, restatedFrom: r.restatedFrom } : task;
        });
      }
      if (facts.length === 0 && waits.awaiting === undefined && waits.awaitedBy === undefined) return view;
      inLanguage(reply, lang);
      return { ...view, ...(facts.length > 0 ? { published: publishedView(facts, lang) } : {}), ...waits };
    },
  );

  server.post(
    '/v1/cases/:id/commands',
    {
      schema: {
        operationId: 'sendCommand',
        summary: docText('对案件发送指令', 'Send a command to a case'),
        params: IdParams,
        headers: IdempotencyHeaders,
        body: CommandBody,
        response: {
          200: z.object({ id: z.string(), state: z.string(), final: z.boolean(), revision: z.number().int(), position: z.number().int(), replayed: z.boolean(), event: HistoryEvent }),
        },
      },
      config: {
        openapi: {
          // The route checks the envelope; the engine checks `data` with the form of the case's process and version.
          body: COMMAND_COMPONENT,
          responses: {
            200: {
              description: docText(
                '已保存的事件；同一调用方以相同的 Idempotency-Key 重复请求、再次应答首次的指令时，`replayed` 为 true',
                'the event stored; `replayed` when the same Idempotency-Key from the same caller answered the first command again',
              ),
            },
          },
          problems: PROBLEM_CODES,
          notes: {
            VALIDATION_FAILED: docText(
              '请求体不是 JSON 或不是 { type, data?, expectedRevision? }，或 data 不符合案件所属流程中该指令的表单（FORMS.md）；`errors`：[{ path, message }]',
              'the body is not JSON or not { type, data?, expectedRevision? }, or data does not match the form of the command for the case\'s process (FORMS.md); `errors`: [{ path, message }]',
            ),
            FORBIDDEN: docText(
              '该角色或机构不能对此案件发送此指令，detail 说明由谁发送（其他机构：只有哪些机构可以发送；其他角色：该指令由谁发送）；或令牌所指机构在机构目录中不是该类机构',
              'this role or organisation may not send this command on this case, the detail saying who sends it (another organisation: which may; another role: who sends it); or the token names no organisation of its kind in the directory',
            ),
            INVALID_TRANSITION: docText(
              '案件当前状态不接受此指令（或其流程没有此指令）；`state`、`allowed`（调用方当前可以发送的指令）',
              "the case's state does not accept this command (or its process has no such command); `state`, `allowed` (the commands the caller may send now)",
            ),
          },
        },
      },
    },
    async (request) => {
      const caller = await callerOf(request, app.verifier);
      const key = request.headers['idempotency-key'];
      const { type, data, expectedRevision } = request.body;
      // The command is decided on the case as read; a cut end seen there is read again once
      // (`rereadOnCut`): nothing is appended before `visibleTo` answers.
      const result = await rereadOnCut(app, request.params.id, async (again) => {
        try {
          return await app.engine.execute({
            caseId: request.params.id,
            visibleTo: (state) => {
              const visible = canSee(app.directory, caller, app.engine.partiesOf(state));
              if (visible) refuseCutStream(app, state, again);
              return visible;
            },
            // A linked case (MARK_OPENED's release) that cannot be folded, as a case read here is (hideFromStrangers).
            mayKnowOf: (caseId) => mayKnowOf(app, caller, caseId),
            type,
            data,
            actor: caller,
            correlationId: request.id,
            ...(expectedRevision !== undefined ? { expectedRevision } : {}),
            ...(key ? { idempotencyKey: key } : {}),
          });
        } catch (err) {
          // A case this build cannot fold is refused before `visibleTo` could be asked.
          hideFromStrangers(app, caller, request.params.id, err);
          throw err;
        }
      });
      return {
        id: result.caseId,
        state: result.state,
        final: result.final,
        revision: result.revision,
        position: result.position,
        replayed: result.replayed,
        event: labelledEvent(historyEntry(result.event)!, app.registry),
      };
    },
  );

  server.get(
    '/v1/cases/:id/history',
    {
      schema: {
        operationId: 'getCaseHistory',
        summary: docText('案件的完整历史（按时间顺序）', "A case's whole history, oldest first"),
        params: IdParams,
        querystring: CurrentQuery.extend({ asOf: z.iso.datetime({ offset: true }).optional() }),
        response: {
          200: HistoryAnswer,
        },
      },
      config: {
        openapi: {
          responses: {
            200: {
              description: docText('案件的全部事件，最早的在前；给出 asOf 时，另附当时的状态和待办', 'every event of the case, oldest first; with asOf, the state and open tasks as they were then'),
            },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UNAVAILABLE'],
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const caseId = request.params.id;
      let damage: unknown;
      try {
        await caseNow(app, caller, caseId);
      } catch (err) {
        // A case its machine cannot fold (an event altered or moved, its start removed), or whose last events are
        // gone, shown as stored to a caller who may see it (a stranger had 404 above), with verify's answer beside
        // it. Compliance QA: the history answered 503 (服务暂时无法处理) for every kind of tampering, and the
        // auditor could not read the intact events of the case under investigation.
        if (!(err instanceof DamagedStreamError) && !(err instanceof ApiError && err.details.reason === 'eventsMissing')) throw err;
        damage = err;
      }
      const events = damage ? await app.engine.storedHistory(caseId) : await app.engine.history(caseId);
      // An event whose facts are no longer what the engine writes (an instant that is no instant) cannot be shown
      // as a history's event: the case is refused as before, and verify names the event.
      if (damage && events.some((e) => unwritableFact(e) !== undefined)) throw damage;
      // The state as of a moment not yet come would show deadlines as missed that have not been.
      const asOf = request.query.asOf === undefined ? undefined : notAhead(app, 'asOf', request.query.asOf);
      // Notices another server loaded are named too (QA: a second server's history named none until a read refreshed its calendar).
      await app.calendar.refresh();
      let history: ReturnType<typeof labelledHistory> & { verification?: CaseVerification };
      try {
        const words = historyWords(app.directory, app.calendar.current(), openedArticles(events));
        const labelled = labelledHistory(caseHistory(events, asOf ? { asOf } : {}), app.registry, (version, at) => app.calendar.loadedAs(version, at), words);
        history = damage ? { ...labelled, verification: await verifiedIn(app, caseId, langOf(request)) } : labelled;
      } catch (err) {
        // A damaged case's stored events that cannot be made into a history: refused as before.
        throw damage ?? err;
      }
      // Nor are those that do not make a history's shape (a field of another type: a 500 when the answer is checked).
      if (damage && !HistoryAnswer.safeParse(history).success) throw damage;
      if (damage) inLanguage(reply, langOf(request));
      if (history.events.length <= HISTORY_AT_ONCE) return history;
      // A long history (a case of years of usage reports), written in turns of the event loop: fastify
      // sends a stream as it is, past the response schema, whose type knows only the object.
      return reply.type('application/json; charset=utf-8').send(Readable.from(historyJson(history)) as unknown as typeof history);
    },
  );

  server.get(
    '/v1/cases/:id/verify',
    {
      schema: {
        operationId: 'verifyCase',
        summary: docText('校验案件哈希链并按流程版本重放', "Verify a case's hash chain and replay it through its process version"),
        params: IdParams,
        querystring: CurrentQuery,
        response: {
          200: Verification,
        },
      },
      config: {
        openapi: {
          responses: {
            200: {
              description: docText(
                '重新校验哈希链，并按案件的流程版本重放事件：ok，或在何处、因何失败',
                "the hash chain re-checked and the events replayed through the case's machine version: ok, or where and why it failed",
              ),
            },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'UNAVAILABLE'],
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const caseId = request.params.id;
      try {
        await visibleCase(app, caller, caseId);
      } catch (err) {
        // Visible (else 404 above), but not readable as a case: verify says where and why.
        if (!isDamagedStore(err)) throw err;
      }
      const lang = langOf(request);
      inLanguage(reply, lang);
      return await verifiedIn(app, caseId, lang);
    },
  );
};
