import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { shanghaiDateOf } from '../../calendars/index.js';
import { PROVINCE_REGION, regionContains } from '../../directory/directory.js';
import type { InboxItem } from '../../projections/inbox.js';
import { visibleWaits, type App } from '../app.js';
import { callerOf, onlyRoles, type Caller } from '../auth.js';
import { ApiError, inLanguage, langOf, rebuildingProblem, weighedEntries } from '../problem.js';
import { InvalidQueryError } from '../../projections/query.js';
import { CLOCK_SKEW_MS } from '../../machines/kit.js';
import { asPartyCode, INVALID_CHARACTERS, isCleanText, isIdNumber, regionCode } from '../../machines/schemas.js';
import { MinPosition, provisionalNote, type ProvisionalTask, registryFilters, wholeNumberQuery, withProvisionalNote } from '../shape.js';
import { jsonAnswer, readModelsPositionHeader, ref, type RouteDocs } from '../openapi.js';
import { docText, englishOf, type DocText } from '../docText.js';

const Instant = z.iso.datetime({ offset: true });
const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const Region = regionCode(/^\d{6}$/, '应为 6 位行政区划代码');
const ORG_NOT_PERSON = '不能按自然人的身份证号筛选：报表只显示自然人的脱敏编码';

/**
 * The reports' organisation filter. Reports show a natural person only masked (sla.ts
 * `personCodeForReports`; 个人信息保护法 第六条), so a filter by a person's ID number would tell
 * whoever knows it whether that person applied: every valid ID number is refused alike, whether
 * or not anyone applied with it.
 */
const OrgFilter = z
  .string()
  // Pasted from an Excel sheet ("370100-gaj " or with a zero-width space), the code itself: not a filter
  // nothing matches; a credit code or an ID number in upper case (so a person's, with a lower-case x, is refused too).
  .overwrite(asPartyCode)
  .min(1)
  .max(100)
  // A NUL or a U+202E in it matches no code: refused as the forms refuse it, not answered with an empty report.
  .refine(isCleanText, INVALID_CHARACTERS)
  // A birth year of 19xx or 20xx too: a company's credit code (18 characters, most with letters)
  // passes as an ID number only by a rare chance; with it, rarer still.
  .refine((org) => !(isIdNumber(org) && /^(19|20)/.test(org.slice(6, 10))), ORG_NOT_PERSON)
  .describe(
    docText(
      '机构代码，或报表所示自然人的脱敏编码（如 370*************31）；不能是自然人的身份证号（报表中自然人只以脱敏编码显示）',
      "an organisation code, or a natural person's masked code as reports show it (e.g. 370*************31); not a natural person's ID number (reports show people only masked)",
    ),
  );

/** Only stages whose deadline has this basis: a 通报 on statutory deadlines alone (PROCESSES.md "Deadlines"). */
const Basis = z
  .enum(['statute', 'policy', 'agreement'])
  .describe(
    docText(
      '只统计时限依据为法定时限（statute）、平台政策时限（policy）或协议约定时限（agreement）的环节',
      "only stages whose deadline is set by statute, by platform policy, or by the applicant's agreement",
    ),
  );
/**
 * A period's end must come after its start (`to` is named, as the form periods do): a period holds
 * its `from` and not its `to`, so one that ends where it starts holds nothing, and was answered as if
 * that day had been looked at (an on-time report of zeros, an empty export). zod runs this even when
 * `from` or `to` failed its own format; such a one is already named, and not again here.
 */
const inOrder = (q: { from?: string | undefined; to?: string | undefined }) => {
  const from = q.from === undefined ? NaN : Date.parse(q.from);
  const to = q.to === undefined ? NaN : Date.parse(q.to);
  return Number.isNaN(from) || Number.isNaN(to) || from < to;
};
const PERIOD_ORDER = { path: ['to'], error: '结束时间须晚于开始时间：时间段含 from，不含 to' };

/** An on-time report's `to` with no `from`, in a year not begun (its period would start ahead of now). */
const YEAR_NOT_BEGUN = '所在年份尚未开始：未给出 from 时，时间段从 to 所在年份的 1 月 1 日起算';

/**
 * An instant a report is taken at, which may not lie ahead: a deadline not reached yet is not past
 * (API.md: "every stage past its deadline at asOf"), and a mistyped year would fill a 通报 with
 * lateness that has not happened, counted on a calendar not yet published.
 */
export function notAhead(app: App, name: string, value: string): string {
  const now = app.clock.now().getTime();
  const at = Date.parse(value);
  if (at > now + CLOCK_SKEW_MS) throw new InvalidQueryError(name, '不得晚于当前时间');
  return at > now ? new Date(now).toISOString() : value;
}

const REPORT_ROLES = new Set(['supervisor', 'auditor', 'authority', 'admin']);

/**
 * How much an Accept header wants a media type (RFC 9110 §12.5.1): the q of its most specific range
 * that matches (`text/csv` over `text/*` over `*\/*`), 0 when none does. Parameters other than q are
 * not weighed (the CSV is UTF-8, as `charset=utf-8` asks). An entry whose q is not a qvalue is ignored.
 */
function acceptQ(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let q = 0;
  for (const { value: name, q: given } of weighedEntries(accept, 1000)) {
    const specificity = name === type ? 2 : name === `${major}/*` ? 1 : name === '*/*' ? 0 : -1;
    if (specificity > best) {
      best = specificity;
      q = given;
    }
  }
  return q;
}

/**
 * A report's format: `format` when the query names it (API.md); without it, CSV when Accept prefers
 * text/csv to JSON (`Accept: text/csv`, as a spreadsheet tool or `curl -H 'Accept: text/csv'` asks),
 * and JSON otherwise — no Accept, `*\/*`, a browser's, `application/xml` (which no report is made in:
 * JSON, the default, as before, rather than 406), or text/csv and JSON equally. The answer says it
 * depends on Accept (`Vary`).
 */
function reportFormat(request: FastifyRequest, reply: FastifyReply, format: 'json' | 'csv'): 'json' | 'csv' {
  reply.header('vary', 'Accept');
  const query = request.url.indexOf('?');
  if (query >= 0 && new URLSearchParams(request.url.slice(query + 1)).has('format')) return format;
  const accept = request.headers.accept;
  if (typeof accept !== 'string') return 'json';
  const csv = acceptQ(accept, 'text/csv');
  return csv > 0 && csv > acceptQ(accept, 'application/json') ? 'csv' : 'json';
}

/** A report answers JSON, or CSV with `format=csv` or `Accept: text/csv` (UTF-8 with a byte-order mark, Chinese headers). */
const reportDocs = (description: DocText, component: string): RouteDocs => ({
  responses: {
    200: {
      description: docText(
        `${description}；format=csv 时，或未给 format 而 Accept 偏好 text/csv 胜于 JSON 时（如 Accept: text/csv），以 CSV 附件给出相同内容（带 BOM 的 UTF-8，中文列名）；format 优先于 Accept，其他 Accept（包括 application/xml）均答 JSON；应答带 Vary: Accept`,
        `${englishOf(description)}; with format=csv, or without format when Accept prefers text/csv to JSON (Accept: text/csv), the same as CSV (UTF-8 with a byte-order mark, Chinese column headers), as an attachment; format wins over Accept, and any other Accept (application/xml included) is answered JSON; the answer carries Vary: Accept`,
      ),
      content: { 'application/json': ref(component), 'text/csv': { type: 'string' } },
      headers: readModelsPositionHeader(),
    },
  },
  problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNAVAILABLE'],
  notes: {
    FORBIDDEN: docText(
      '只有监督、审计、主管部门和管理员可以查看报表，且限于本辖区及其下级区域（更大的 `region` 会被拒绝）；或令牌所指机构在机构目录中不是该类机构',
      'only supervisors, auditors, competent authorities and admins see reports, of their own region and the regions below it (a wider `region` is refused); or the token names no organisation of its kind in the directory',
    ),
  },
});
const AUDIT_ROLES = new Set(['auditor', 'admin']);

/**
 * Waits, briefly and boundedly (API.md), for the read models to reach `minPosition`; the answer then
 * says how far they had come (`x-read-models-position`), so a client can tell an answer that is still
 * behind the position it asked for from one that is not.
 */
export async function caughtUp(app: App, reply: FastifyReply, minPosition: number | undefined): Promise<void> {
  // A rebuild under way (`npm run rebuild` beside this server, or here) leaves the read models holding
  // part of the log: an inbox, a report or an export from them would be short without saying so.
  // Rebuilt by a newer build beside this one (or before a rollback): not ours to read, nor to take back.
  const newer = app.readModels.newerBuild();
  if (newer) {
    const zh = newer.map((m) => `${m.name} 第 ${m.version} 版`).join('、');
    const en = newer.map((m) => `${m.name} version ${m.version}`).join(', ');
    throw new ApiError(
      'UNAVAILABLE',
      {
        zh: `读模型已由更新版本的服务重建（${zh}，本服务只认到第 ${newer.map((m) => m.ours).join('、')} 版），本服务无法读取：请升级本服务，或由更新版本的服务答复（重启本服务会把读模型重建为旧版本）`,
        en: `the read models were rebuilt by a newer build (${en}; this server knows versions up to ${newer.map((m) => m.ours).join(', ')}) and this server cannot read them: upgrade it, or ask a server of the newer build (restarting this one rebuilds them at the older version)`,
      },
      { reason: 'upgradeRequired', readModels: newer },
    );
  }
  const rebuilding = app.readModels.rebuilding();
  // Asked again by the query itself, in the snapshot it reads (ReadModels `checkWhole`): a rebuild may begin in between.
  if (rebuilding) throw rebuildingProblem(rebuilding.done, rebuilding.total);
  // Working days left and overdue are counted at query time: with the notices other nodes loaded too.
  await app.calendar.refresh();
  if (minPosition === undefined) return;
  await readModelsAt(app, reply, minPosition);
}

/**
 * Waits, up to 2 s (API.md: briefly and boundedly), for the read models to reach `position`, and says
 * in `x-read-models-position` how far they had come: below `position`, the answer is still behind it.
 */
export async function readModelsAt(app: App, reply: FastifyReply, position: number): Promise<void> {
  await app.readModels.waitFor(position, 2000);
  reply.header('x-read-models-position', String(app.readModels.position));
}

/**
 * The filters a report was asked for, as its file name says them before its date (`370100-`,
 * `370100-gaj-`, `objection-`, `statute-`): the province's report of Jinan and of the whole province,
 * or one of statutory deadlines only, downloaded on one day, were files of one name (supervisors' QA).
 * A character a file name should not hold (a masked person's `*`) is written `x`.
 */
function filtersNamed(asked: { region?: string | undefined; org?: string | undefined; process?: string | undefined; basis?: string | undefined }): string {
  return [asked.region, asked.org, asked.process, asked.basis]
    .filter((part): part is string => part !== undefined)
    .map((part) => `${part.replace(/[^A-Za-z0-9-]/g, 'x')}-`)
    .join('');
}

/**
 * The period of stages entered an overdue report was asked for, for its file name before the date it is as
 * of ('' without one). Year-end QA: the 2026 report pulled on 2027-01-11 and the whole one of that day were
 * files of one name, overdue-370100-2027-01-11.csv.
 */
function enteredNamed(from: string | undefined, to: string | undefined): string {
  if (from !== undefined && to !== undefined) return `${periodDays(from, to)}-as-of-`;
  if (from !== undefined) return `from-${shanghaiDateOf(from)}-as-of-`;
  if (to !== undefined) return `to-${shanghaiDateOf(new Date(Date.parse(to) - 1))}-as-of-`;
  return '';
}

/** The Beijing dates a period [from, to) covers, for a file name: its last day is the one before `to`'s first instant. */
function periodDays(from: string, to: string): string {
  const last = Math.max(Date.parse(from), Date.parse(to) - 1);
  return `${shanghaiDateOf(from)}-${shanghaiDateOf(new Date(last))}`;
}

/**
 * Reports cover the caller's region and the regions below it (第十九条: 本辖区), and the regions it
 * took over (机构改革); a narrower region may be asked for, a wider one may not. An admin sees the whole province.
 */
function reportRegion(app: App, caller: Caller, asked: string | undefined): string | undefined {
  // A region no organisation of the directory is in (a mistyped 370199) would answer an empty report that reads as "all on time".
  if (asked !== undefined && !app.directory.list().some((o) => regionContains(asked, o.region))) {
    throw new InvalidQueryError('region', '未知的行政区划：机构目录中没有该区划及其下级的机构');
  }
  if (caller.role === 'admin') return asked === PROVINCE_REGION ? undefined : asked;
  const own = app.directory.get(caller.org)?.region;
  if (!own) throw new ApiError('FORBIDDEN', { zh: `机构 ${caller.org} 不在机构目录中，无法确定辖区`, en: `organisation ${caller.org} is not in the directory` });
  // 第十九条, 机构改革: a region taken over (a city merged into the caller's) is the caller's too, as it sees its cases (containsNow, canSee).
  if (asked !== undefined && !app.directory.containsNow(own, asked)) {
    throw new ApiError('FORBIDDEN', { zh: `区域 ${asked} 不在您的辖区 ${own} 之内`, en: `region ${asked} is outside your region ${own}` });
  }
  // The whole province is every case's (canSee), those whose region the directory no longer knows too:
  // reported unfiltered, as an admin's report is.
  const scope = asked ?? own;
  return scope === PROVINCE_REGION ? undefined : scope;
}

/**
 * An organisation asked for (`org`) must be within the caller's region, as a region asked for must:
 * another city's bureau answered an empty report, which read as "nothing overdue there". Only an
 * organisation of the directory has a region to check; an applicant (a company, a person) is found
 * in the caller's region or not at all. Answers the code as the directory spells it (`370100-GAJ`:
 * 370100-gaj), which the report then filters by.
 */
function reportOrg(app: App, caller: Caller, typed: string | undefined): string | undefined {
  if (typed === undefined) return undefined;
  const org = app.directory.spelling(typed);
  if (caller.role === 'admin') return org;
  const asked = app.directory.get(org);
  const own = app.directory.get(caller.org)?.region;
  // 机构改革: an abolished unit whose successor is in the region is the region's (县改区), as the unfiltered report counts it.
  if (!asked || !own || app.directory.worksWithin(own, org)) return org;
  throw new ApiError('FORBIDDEN', {
    zh: `机构 ${app.directory.nameOf(org)}（${org}）不在您的辖区 ${own} 之内`,
    en: `organisation ${org} (${app.directory.nameOf(org)}) is outside your region ${own}`,
  });
}

export const workRoutes = (app: App): FastifyPluginAsyncZod => async (server) => {
  const filters = registryFilters(app.registry);
  const reportsOnly = onlyRoles(app.verifier, REPORT_ROLES, { zh: '只有监督、审计、主管部门和管理员可以查看报表', en: 'reports are for supervisors, auditors, competent authorities and admins' });
  server.get(
    '/v1/inbox',
    {
      schema: {
        operationId: 'getInbox',
        summary: docText('我的待办（最紧急的在前）', 'My tasks (most urgent first)'),
        querystring: z.strictObject({
          process: filters.process.optional(),
          overdue: Bool.optional(),
          dueWithin: wholeNumberQuery(0, 3650).optional(),
          assigned: Bool.optional().describe(
            docText(
              'true：只列分派给本机构的待办；false：只列本机构作为上级也可办理的其他机构的待办（如省大数据局可办理的各市待办）',
              "true: only the tasks assigned to the caller's organisation; false: only other organisations' tasks it may also act on as a higher level (a city's, for the provincial bureau)",
            ),
          ),
          limit: wholeNumberQuery(1, 200).optional(),
          cursor: z.string().max(2000).optional(),
          ...MinPosition,
        }),
      },
      config: {
        openapi: {
          responses: {
            200: jsonAnswer(
              docText(
                '调用方的待办，最紧急的在前：利用主体报告数据安全问题的告知（知悉）最先，然后按期限先后；其他没有期限的在最后（其他告知类，及开放主体自行安排的编制、修改）；nextCursor 为下一页的游标，没有下一页时为 null',
                "the caller's open tasks, most urgent first: a notice that a data user reported a data security problem first of all, then by deadline; the others with no deadline last (other notices, and a provider's own drafting or revising); nextCursor is the cursor of the next page, or null",
              ),
              'InboxPage',
              readModelsPositionHeader(),
            ),
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNAVAILABLE'],
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const { minPosition, ...filters } = request.query;
      await caughtUp(app, reply, minPosition);
      // What a task waits on, and what waits on it, is told in the caller's language.
      const lang = langOf(request);
      inLanguage(reply, lang);
      const page = app.readModels.inbox({ caller, asOf: app.clock.now(), lang, ...filters });
      const calendar = app.calendar.current();
      const note = (task: ProvisionalTask) => provisionalNote(calendar, task, lang);
      return { ...page, items: page.items.map((item) => ({ ...withVisibleWaits(app, caller, item), ...withProvisionalNote(item, note) })) };
    },
  );

  server.get(
    '/v1/reports/overdue',
    {
      schema: {
        operationId: 'getOverdueReport',
        summary: docText('逾期报表（监督评估，第十九条）', 'Overdue report (supervision and evaluation, Article 19)'),
        querystring: z.strictObject({
          asOf: Instant.optional(),
          region: Region.optional(),
          org: OrgFilter.optional(),
          process: filters.process.optional(),
          basis: Basis.optional(),
          from: Instant.optional(),
          to: Instant.optional(),
          format: z.enum(['json', 'csv']).default('json'),
          table: z
            .enum(['items', 'byOrg'])
            .default('items')
            .describe(
              docText(
                'format=csv 时：每个逾期环节一行（items），或按机构的统计（byOrg，即通报所用的表）',
                'with format=csv: one line per overdue stage (items), or the counts by organisation (byOrg, the table of a circular, 通报, Article 19)',
              ),
            ),
          ...MinPosition,
        }).refine(inOrder, PERIOD_ORDER),
      },
      onRequest: reportsOnly,
      config: {
        openapi: reportDocs(
          docText(
            '截至 asOf（默认为当前时间）已逾期的全部环节，包括尚未办结的和逾期办结的，以及按机构的统计',
            'every stage past its deadline at asOf (default now), open or finished late, and the counts by organisation',
          ),
          'OverdueReport',
        ),
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const { format: asked, table, minPosition, region, asOf, ...filters } = request.query;
      const format = reportFormat(request, reply, asked);
      const scope = reportRegion(app, caller, region);
      filters.org = reportOrg(app, caller, filters.org);
      await caughtUp(app, reply, minPosition);
      const at = asOf === undefined ? app.clock.now() : notAhead(app, 'asOf', asOf);
      // Stages entered in a period not begun: none can be late yet (a year typed wrong is told so, as the on-time report tells it).
      if (filters.from !== undefined) notAhead(app, 'from', filters.from);
      // As fastify writes an object it is given, written in pieces.
      const answer = (text: Readable) =>
        format === 'csv'
          ? csvReply(reply, `overdue-${table === 'byOrg' ? 'by-org-' : ''}${filtersNamed({ region, ...filters })}${enteredNamed(filters.from, filters.to)}${shanghaiDateOf(at)}.csv`, text)
          : reply.type('application/json; charset=utf-8').send(text);
      // HEAD: the headers GET would send (access, query and read models checked alike), with no report
      // made — fastify's own HEAD route made it to its end and read its text into the void.
      if (request.method === 'HEAD') return answer(Readable.from([]));
      // Made and written in turns of the event loop (a province's report held every command up to
      // 1.15 s, made and written in one go): a failure to make it is still a problem, answered before
      // any of it is sent. A client that goes away meanwhile stops it (written, its stream stops too).
      const waiting = whileClientWaits(reply);
      let report;
      try {
        report = await app.readModels.overdueReportInTurns({ asOf: at, ...filters, ...(scope ? { region: scope } : {}) }, waiting.signal);
      } catch (error) {
        if (!waiting.signal.aborted) throw error;
        request.log.info('客户端已断开，逾期报表停止生成');
        return reply.hijack();
      } finally {
        waiting.done();
      }
      return answer(Readable.from(app.readModels.overdueReportText(report, format, table)));
    },
  );

  server.get(
    '/v1/reports/sla',
    {
      schema: {
        operationId: 'getSlaReport',
        summary: docText('按时办结率（第十九条 通报）', 'On-time completion rates (Article 19 circulars)'),
        querystring: z.strictObject({
          from: Instant.optional(),
          to: Instant.optional(),
          groupBy: z.enum(['org', 'process', 'stage']).default('org'),
          region: Region.optional(),
          org: OrgFilter.optional(),
          process: filters.process.optional(),
          basis: Basis.optional(),
          format: z.enum(['json', 'csv']).default('json'),
          ...MinPosition,
        }).refine(inOrder, PERIOD_ORDER),
      },
      onRequest: reportsOnly,
      config: {
        openapi: reportDocs(
          docText(
            '在 [from, to)（默认为本年度截至当前）内办结的环节的按时办结率，按 groupBy 分组',
            'on-time rates of the stages finished in [from, to) (default: the calendar year up to now), grouped by groupBy',
          ),
          'SlaReport',
        ),
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const { format: asked, minPosition, region, from, to, ...filters } = request.query;
      const format = reportFormat(request, reply, asked);
      const scope = reportRegion(app, caller, region);
      filters.org = reportOrg(app, caller, filters.org);
      await caughtUp(app, reply, minPosition);
      // Default period: the calendar year (Asia/Shanghai) up to now, or up to `to` — of the year its last moment is in.
      const now = app.clock.now().toISOString();
      const end = to ?? now;
      // Stages finished in a period that has not begun: none (and without `to` it would end before it starts).
      const start = from === undefined ? undefined : notAhead(app, 'from', from);
      // The year of the period's last moment in Beijing (the last hours of 9999 UTC are in year 10000 there).
      const yearStart = `${shanghaiDateOf(new Date(Date.parse(end) - 1)).split('-')[0]}-01-01T00:00:00+08:00`;
      const yearStartMs = Date.parse(yearStart);
      // A `to` in a year not begun, with no `from`: a period that starts ahead, as a `from` ahead is refused (a year typed wrong).
      if (start === undefined && !(yearStartMs <= Date.parse(now) + CLOCK_SKEW_MS)) throw new InvalidQueryError('to', YEAR_NOT_BEGUN);
      const report = app.readModels.slaReport({
        // A year begun a few minutes ahead (a client's clock running fast) starts now, as a `from` that close does.
        from: start ?? (yearStartMs > Date.parse(now) ? now : yearStart),
        to: end,
        // Tasks open past their deadline are counted at the period's end, or now if it ends ahead.
        asOf: Date.parse(end) < Date.parse(now) ? end : now,
        ...filters,
        ...(scope ? { region: scope } : {}),
      });
      // By organisation, the default, as before; by process or stage, named so (three files of one period, told apart).
      const grouping = report.groupBy === 'org' ? '' : `by-${report.groupBy}-`;
      if (format === 'csv') return csvReply(reply, `sla-${grouping}${filtersNamed({ region, ...filters })}${periodDays(report.from, report.to)}.csv`, app.readModels.toCsv(report));
      return report;
    },
  );

  server.get(
    '/v1/audit/export',
    {
      schema: {
        operationId: 'exportAudit',
        summary: docText('审计导出：时间段内的全部事件（NDJSON，流式）', 'Audit export: every event of a period (NDJSON, streamed)'),
        querystring: z.strictObject({ from: Instant, to: Instant, ...MinPosition }).refine(inOrder, PERIOD_ORDER),
      },
      onRequest: onlyRoles(app.verifier, AUDIT_ROLES, { zh: '只有审计和管理员可以导出事件', en: 'only auditors and admins may export events' }),
      config: {
        openapi: {
          responses: {
            200: {
              description: docText(
                '调用方可以查看的案件在 [from, to) 内（按每行的 at）被接受的全部事件，以及其间载入的全部节假日安排通知（caseId 为 null，stream 为 calendar-notices，无哈希链，revision 依次递增），以 NDJSON 附件（UTF-8，每行以 LF 结尾，无首行、尾行）流式输出，按日志顺序（position 递增）：每行一个事件，案件事件格式同 GET /v1/cases/{id}/history 的事件（不含其 commandLabel、stateBeforeLabel、stateAfterLabel：每行只含存储的事件所载内容），另加 caseId、process、stream 和原样存储的 metadata；服务器无法读取的事件为一行 unreadable: true；审计索引登记过、其后从存储中被删除的事件为一行 missing: true（其位置和时间）。metadata.hash 为 {streamId: stream, revision, id, type, data, metadata（去掉 hash）} 的规范 JSON（JavaScript 的 JSON.stringify，各层键排序，无空白，非 ASCII 字符原样）的 UTF-8 字节的 SHA-256（小写十六进制），metadata.prevHash 为同一案件前一事件的 hash（第一个为 64 个 0）。逐字段的格式与校验方法见源码中的 docs/AUDIT_EXPORT.md（附 Python 参考实现 docs/verify_export.py）。日志中的其他事件不导出',
                "every event accepted in [from, to) (by the at of its line) of the cases the caller may see, and every holiday notice loaded in it (caseId null, stream calendar-notices, not hash-chained, its revisions following on), streamed as NDJSON (an attachment; UTF-8, each line ended by LF, no header or trailer line) in log order (position rising): one event a line, a case event in the shape of GET /v1/cases/{id}/history events (without their commandLabel, stateBeforeLabel and stateAfterLabel: a line holds only what the stored event says) plus caseId, process, stream and its metadata as stored; an event the server could not read is a line with unreadable: true, and one the audit index filed that was deleted from the store since a line with missing: true (its position and time). metadata.hash is SHA-256 (lowercase hex) of the UTF-8 of the canonical JSON (JavaScript's JSON.stringify, keys sorted at every depth, no whitespace, non-ASCII characters as themselves) of {streamId: stream, revision, id, type, data, metadata without hash}; metadata.prevHash is the hash of the case's event before (64 zeros for the first). The format field by field and how to check it: docs/AUDIT_EXPORT.md in the source, with a reference in Python, docs/verify_export.py. No other event of the log is exported",
              ),
              content: { 'application/x-ndjson': { type: 'string' } },
              headers: readModelsPositionHeader(
                docText(
                  '请求带 minPosition 时给出，本服务器正在保存的事件尚未进入读模型时亦给出',
                  'given when minPosition is asked, and when events this server is storing were not in the read models yet',
                ),
              ),
            },
          },
          problems: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNAVAILABLE'],
          notes: { FORBIDDEN: docText('只有审计和管理员可以导出事件；或令牌所指机构在机构目录中不是该类机构（管理员应为省公共数据开放主管部门，第六条）', 'only auditors and admins may export events; or the token names no organisation of its kind in the directory (an admin must be the provincial competent authority, Article 6)') },
        },
      },
    },
    async (request, reply) => {
      const caller = await callerOf(request, app.verifier);
      const { from, to, minPosition } = request.query;
      // Events accepted in a period not begun: none (an empty file, which verify-export then fails without saying why).
      notAhead(app, 'from', from);
      await caughtUp(app, reply, minPosition);
      // Events stamped in the period and still being stored are in it (a period ending now, say): the
      // commands' and the notices' of this server, once stored and in the read models, which follow
      // the store (EventStoreDB) a moment behind — waited for as minPosition is.
      const stored = Math.max(await app.engine.settled(), await app.calendar.settled());
      if (stored > app.readModels.position) await readModelsAt(app, reply, stored);
      // HEAD: GET's headers, no event read (fastify's own HEAD route read the whole export into the void).
      const lines = request.method === 'HEAD' ? [] : app.readModels.exportEvents({ from, to, ...(caller.role === 'admin' ? {} : { visibleTo: caller }) });
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${periodDays(from, to)}.ndjson"`)
        .send(Readable.from(lines));
    },
  );
};

/**
 * A signal that aborts when the client goes away before its answer is written (the response closes
 * unfinished), for work made in turns; `done` stops listening once the answer is under way.
 */
function whileClientWaits(reply: FastifyReply): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const response = reply.raw;
  const gone = () => {
    if (!response.writableFinished) controller.abort(new Error('the client went away'));
  };
  response.once('close', gone);
  return { signal: controller.signal, done: () => response.off('close', gone) };
}

function csvReply(reply: FastifyReply, filename: string, body: string | Readable) {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(body);
}

/**
 * An inbox item's `awaiting` and `awaitedBy`, naming only the cases the caller may see (API.md "Identity": a case
 * it may not see is never named), as the case view's do. Holding an item does not mean seeing the cases linked
 * to it: a link made while a directory said one provider's duties were another's (机构改革, or a mistake
 * corrected since) joins cases whose parties no longer share a reader, and the inbox named the other one's
 * title, state, stage and deadline to each side.
 */
function withVisibleWaits(app: App, caller: Caller, item: InboxItem): InboxItem {
  if (item.awaiting === undefined && item.awaitedBy === undefined) return item;
  const { awaiting, awaitedBy, ...rest } = item;
  return { ...rest, ...visibleWaits(app, caller, { awaiting, awaitedBy }) };
}
