import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CalendarNotCoveredError, CalendarValidationError, DAY_OR_INSTANT_PATTERN, HolidayBlockSchema, isDayOrInstant, makeUpIssues, type WorkingDayCalendar } from '../../calendars/index.js';
import { EngineError, refuse } from '../../engine/errors.js';
import type { App } from '../app.js';
import { ADMIN, callerOf, onlyRoles } from '../auth.js';
import { DateString, formatMessage, INVALID_CHARACTERS, isCleanText } from '../../machines/schemas.js';
import { CurrentQuery, Instant, PLUS_AS_SPACE_HINT, wholeNumberQuery, writtenPlusAsSpace } from '../shape.js';
import { docText } from '../docText.js';
import { inEnglish } from '../english.js';
import { inLanguage, langOf } from '../problem.js';
import { requestFieldLabel } from '../requestLabels.js';

const DAY_OR_INSTANT = '应为有效日期（YYYY-MM-DD），或带 Z 或时区偏移的 ISO-8601 时刻';
const DAY_OR_INSTANT_PLUS = `${DAY_OR_INSTANT}；${PLUS_AS_SPACE_HINT}`;

const DeadlineQuery = z.strictObject({
  // The calendar's own rule: a real date, or an instant with Z or an offset.
  from: z
    .string()
    .max(40)
    .superRefine((from, ctx) => {
      // A `+` written as is in a URL arrives as a space: say so, as the reports' instants do.
      if (!isDayOrInstant(from)) ctx.addIssue({ code: 'custom', message: writtenPlusAsSpace(from) ? DAY_OR_INSTANT_PLUS : formatMessage(DAY_OR_INSTANT, from) });
    })
    // The form of what isDayOrInstant takes, as GET /docs says it.
    .meta({ pattern: DAY_OR_INSTANT_PATTERN }),
  // Missing, "必填"; blank (`workingDays=`, Number('') is 0: a deadline nobody asked for), "不能为空".
  workingDays: wholeNumberQuery(0, 3650),
  ...CurrentQuery.shape,
});

/** Decimal digits, as every number in a query: z.coerce read `0x7EA` as 2026 and `2.026e3` too. */
const YearParams = z.strictObject({ year: wholeNumberQuery(1900, 2200, { noLeadingZero: true }) });

const YearInfo = z.object({
  year: z.number().int(),
  status: z.enum(['official', 'provisional']),
  holidays: z.array(z.string()),
  adjustedWorkdays: z.array(z.string()),
  nextYearEdge: z
    .object({ holidays: z.array(z.string()), adjustedWorkdays: z.array(z.string()), source: z.object({ notice: z.string(), url: z.string() }) })
    .optional()
    .describe(
      docText(
        '下一年度通知中安排的本年度日期（元旦衔接期），工作日历同样用于本年度',
        "days of this year that the next year's notice sets (its New-Year edge), which the calendar applies to this year too",
      ),
    ),
  source: z.object({ notice: z.string(), url: z.string(), issued: z.string().nullable(), title: z.string().optional() }).nullable(),
  blocks: z.array(z.object({ name: z.string(), text: z.string().optional(), holidays: z.array(z.string()), adjustedWorkdays: z.array(z.string()) })),
  calendarVersion: z.string(),
  warning: z
    .string()
    .optional()
    .describe(
      docText(
        '仅当现行通知（由较早版本的服务载入）放假日少于法定节假日及其补假时给出：缺少什么；载入更正后的通知之前，期限仍按其计算（把缺少的日子当作工作日）。按调用方语言',
        'given only when the notice in force (loaded by an earlier build) gives fewer days off than the statutory holidays and their days in lieu: what is missing; until a corrected notice is loaded, deadlines are still counted by it (the missing days as working days). In the caller’s language',
      ),
    ),
});

/**
 * The notice in force for `year` when it is short of its 补假 days (第六条; a load refuses such a notice
 * now, one an earlier build stored stays in force, and the server's start names it in its log), in the
 * caller's language, which the answer then says (Content-Language, Vary). QA: an admin reading
 * GET /v1/calendar/2027 saw such a notice as official and nothing amiss.
 */
function shortNoticeWarning(calendar: WorkingDayCalendar, year: number, request: FastifyRequest, reply: FastifyReply): { warning?: string } {
  const lang = langOf(request);
  inLanguage(reply, lang);
  const notice = calendar.notices.find((n) => n.year === year);
  const issue = notice ? makeUpIssues(notice)[0] : undefined;
  if (!issue) return {};
  const mend = `PUT /v1/calendar/${year}`;
  return {
    warning:
      lang === 'en'
        ? `the notice in force (loaded by an earlier build) is short of days off: ${inEnglish(issue.message)}; deadlines are still counted by it until a corrected notice is loaded (${mend})`
        : `现行通知（由较早版本的服务载入）放假日不足：${issue.message}；载入更正后的通知（${mend}）之前，期限仍按其计算`,
  };
}

/**
 * Text as the forms and token claims take it (machines/schemas.ts `isCleanText`): no NUL or other
 * control character, no bidirectional override, no lone surrogate. A notice is shown in every
 * calendar answer and kept in the audit export for good. Checked here, on what an admin sends, not in
 * the calendar's own schema: that one re-reads the notices already stored, which must still load.
 */
const clean = (text: z.ZodString) => text.refine(isCleanText, INVALID_CHARACTERS);

/** PUT /v1/calendar/:year: a State Council notice as API.md gives it (the year comes from the path). */
const NoticeBody = z.strictObject({
  notice: clean(z.string().trim().min(1)),
  url: clean(z.string().url()),
  issued: DateString.optional(),
  title: clean(z.string().trim().min(1)).optional(),
  holidays: z.array(z.string()).min(1),
  adjustedWorkdays: z.array(z.string()),
  blocks: z
    .array(HolidayBlockSchema.extend({ name: clean(HolidayBlockSchema.shape.name), text: clean(HolidayBlockSchema.shape.text.unwrap()).optional() }))
    .optional(),
});

/** Calendar errors are the engine's codes too. */
function asProblem(err: unknown): unknown {
  if (err instanceof CalendarNotCoveredError) return refuse.calendarNotCovered(err.year, err.covered);
  if (err instanceof CalendarValidationError) return refuse.validation(err.errors);
  return err;
}

export const calendarRoutes = (app: App): FastifyPluginAsyncZod => async (server) => {
  server.get(
    '/v1/calendar/deadline',
    {
      schema: {
        operationId: 'computeDeadline',
        summary: docText('按工作日计算期限', 'A deadline in working days'),
        querystring: DeadlineQuery,
        response: {
          200: z.object({
            from: z.string(),
            workingDays: z.number().int(),
            dueDate: z.string(),
            dueAt: Instant,
            provisional: z.boolean(),
            calendarVersion: z.string(),
          }),
        },
      },
      config: {
        openapi: {
          responses: {
            200: { description: docText('from 之后第 N 个工作日的日期（Asia/Shanghai），以及该日结束的时刻', 'the day N working days after from (Asia/Shanghai), and the end of it as an instant') },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'CALENDAR_NOT_COVERED', 'UNAVAILABLE'],
        },
      },
    },
    async (request) => {
      await callerOf(request, app.verifier);
      const { from, workingDays } = request.query;
      try {
        return { from, workingDays, ...(await app.calendar.fresh()).deadline(from, workingDays) };
      } catch (err) {
        throw asProblem(err);
      }
    },
  );

  server.get(
    '/v1/calendar/:year',
    {
      schema: { operationId: 'getCalendarYear', summary: docText('某年度的节假日安排', "A year's holidays"), params: YearParams, querystring: CurrentQuery, response: { 200: YearInfo } },
      config: {
        openapi: {
          responses: {
            200: {
              description: docText(
                '该年度的放假日和调休工作日：依国务院办公厅的通知，通知发布前按法定节假日临时推算',
                "the year's holidays and adjusted working days: the State Council's notice, or provisional from the statutory holidays",
              ),
            },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'CALENDAR_NOT_COVERED', 'UNAVAILABLE'],
        },
      },
    },
    async (request, reply) => {
      await callerOf(request, app.verifier);
      try {
        const calendar = await app.calendar.fresh();
        const lang = langOf(request);
        inLanguage(reply, lang);
        return { ...calendar.yearInfo(request.params.year, lang), ...shortNoticeWarning(calendar, request.params.year, request, reply) };
      } catch (err) {
        throw asProblem(err);
      }
    },
  );

  server.put(
    '/v1/calendar/:year',
    {
      schema: {
        operationId: 'loadCalendarYear',
        summary: docText('载入国务院办公厅节假日安排通知（管理员）', "Load the State Council's holiday notice (admin)"),
        params: YearParams,
        body: NoticeBody,
        response: { 200: YearInfo.extend({ restatedCases: z.number().int() }) },
      },
      onRequest: onlyRoles(app.verifier, ADMIN, { zh: '只有管理员可以载入节假日安排', en: 'only an admin may load a holiday notice' }),
      config: {
        openapi: {
          responses: {
            200: {
              description: docText(
                '载入后的年度安排、新的工作日历版本，以及有多少案件的期限被重新确定（临时期限，及通知改动的正式期限）。按本服务版本没有的流程版本办理的案件（滚动升级时在较新版本的服务上开始的案件）不重新确定，也不计入：请通过最新版本的服务载入通知，或用它再次载入同一通知',
                "the year as loaded, a new calendar version, and how many cases had deadlines re-stated (provisional ones, and official ones the notice moved). A case on a process version this server does not have (one started on a newer build during a rolling upgrade) is neither re-stated nor counted: load the notice through a server of the newest build, or load the same notice again through one",
              ),
            },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'REVISION_CONFLICT', 'PAYLOAD_TOO_LARGE', 'CALENDAR_NOT_COVERED', 'UNAVAILABLE'],
          notes: {
            REVISION_CONFLICT: docText(
              '载入期间已有另一份该年度的通知载入，或其案件期限仍在本服务上重新确定（另一位管理员同时载入）：本通知未载入；`year` 为该年度，`currentRevision` 为已载入通知的记录序号；请查看现行安排后再决定是否载入',
              'another notice for the year was loaded meanwhile, or its cases are still being re-stated on this server (another admin at the same moment): this one was not loaded; `year` names the year, `currentRevision` the revision of the log of notices loaded; check the arrangement in force before loading it again',
            ),
            VALIDATION_FAILED: docText(
              '请求体不是 JSON 或不是一份通知，或通知的内容自相矛盾（年度晚于明年或早于 2014 年、日期不在该年度内、同一天既是放假日又是工作日、缺少法定节假日或其补假、发布日期晚于今天或不在该年度及其上一年内……）；`errors`：[{ path, message }]',
              'the body is not JSON or not a notice, or the notice is not a coherent calendar (a year after next or before 2014, dates outside the year, a day both holiday and working day, a statutory holiday or its day off in lieu missing, an issue date after today or outside the year and the one before…); `errors`: [{ path, message }]',
            ),
            FORBIDDEN: docText('只有管理员可以载入节假日安排通知；或令牌所指机构在机构目录中不是该类机构（管理员应为省公共数据开放主管部门，第六条）', 'only an admin may load a holiday notice; or the token names no organisation of its kind in the directory (an admin must be the provincial competent authority, Article 6)'),
          },
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      try {
        const calendar = await app.calendar.load({ year: request.params.year, ...request.body }, caller, () => app.scheduler.restatingFor(request.params.year));
        // PROCESSES.md: every open task with a provisional deadline gets an event that re-states it
        // (and so does one with an official deadline the notice moved).
        // The same notice loaded again while its re-statement is under way joins it (the scheduler's).
        const restatedCases = await app.scheduler.restateDeadlines(request.params.year, calendar.version);
        // The notice in force short of its 补假 days, sent again word for word (a repeat: nothing stored) says so, as GET does (changes QA).
        return { ...calendar.yearInfo(request.params.year), restatedCases, ...shortNoticeWarning(calendar, request.params.year, request, reply) };
      } catch (err) {
        const problem = err instanceof EngineError ? err : asProblem(err);
        // The notice's own checks name its fields as the route's schema does, where they were sent: one
        // field, one path (`issued` and `body.issued` were the same date refused twice over).
        throw problem instanceof EngineError && problem.code === 'VALIDATION_FAILED' ? refuse.renamed(problem, whereSent, requestFieldLabel) : problem;
      }
    },
  );
};

/** A field of a notice as PUT /v1/calendar/:year takes it: the year from the path, the rest from the body. */
function whereSent(path: string): string {
  if (path === 'year') return 'params.year';
  return path === '' ? 'body' : `body.${path}`;
}
