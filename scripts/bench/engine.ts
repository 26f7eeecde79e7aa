/**
 * `npm run bench:engine`: engine commands against raw appends of the very same events, in one run,
 * on temp files (SQLite, WAL, synchronous=FULL).
 *
 *   engine    Engine.execute of one command on a conditionalApplication case that already has 20+
 *             events (REPORT_USAGE / REPORT_RESULTS / REPORT_SECURITY_INCIDENT in `active`), with the
 *             sender's expectedRevision: load (cached) · authorise · validate · transition · stamp ·
 *             hash · append · fold; composed as api/app.ts composes it (links followed).
 *   raw       the event that command stored, appended to a copy of the store with raw better-sqlite3:
 *             one immediate transaction, one INSERT of the same row (same stream, revision, id, type,
 *             data and metadata JSON) — the floor any command path pays for durability.
 *   adapter   the same event through SqliteEventStore.appendToStream with the exact expected revision
 *             (shown for reference).
 *
 * The three sides alternate one command at a time, so drift in fsync latency falls on all alike.
 * The last line of stdout is one JSON object:
 * {"name":"engine-commands","value":<commands/s>,"unit":"commands/s","baseline":<raw appends/s>,"ratio":<value/baseline>}
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { defaultCalendar, DEFAULT_DEADLINE_RULES } from '../../calendars/index.js';
import { Directory } from '../../directory/directory.js';
import { CalendarInForce } from '../../engine/calendarInForce.js';
import { Engine } from '../../engine/engine.js';
import { Scheduler } from '../../engine/scheduler.js';
import { applySqlitePragmas, promisesAsStore, SQLITE_SCHEMA, SqliteEventStore } from '../../eventstore/sqlite.js';
import type { RecordedEvent } from '../../eventstore/types.js';
import { ManualClock } from '../../infra/clock.js';
import { registry } from '../../machines/registry.js';
import type { Actor } from '../../machines/types.js';

const CASES = 150;
/** Events each case has before any command is measured. */
const HISTORY = 20;
const WARMUP = 300;
const MEASURED = 3000;

const provider: Actor = { sub: 'u-gaj-wangqiang', name: '王强', role: 'provider', org: '370100-gaj' };
const authority: Actor = { sub: 'u-jndsj-liuyang', name: '刘洋', role: 'authority', org: '370100-dsj' };

/** An applicant company per case (the 附录3 form of test/machines/examples.ts). */
function application(i: number) {
  return {
    resource: {
      datasetRef: 'sd-open-370100-gaj-0042',
      name: '济南市机动车登记信息统计',
      providerOrg: '370100-gaj',
      serviceMode: 'api',
      coverage: { region: '370100', period: { from: '2020-01-01', to: '2024-12-31' } },
    },
    applicant: {
      type: 'organization',
      name: `山东数智科技有限公司（第${i + 1}号）`,
      creditCode: '91370100MA3C8K2D0E',
      contact: { name: '孙丽', phone: '0531-88661234', email: 'sunli@sdszkj.com.cn', address: '山东省济南市历下区经十路 9999 号' },
    },
    service: { name: '泉城智慧交通出行分析平台', domain: '交通运输' },
    usePeriod: { from: '2025-04-01', to: '2026-03-31' },
    scenarios: [
      { description: '按区县分析机动车保有量变化，为公交线网优化提供依据。' },
      { description: '结合路网流量数据预测早晚高峰拥堵，向市民提供出行建议。' },
    ],
    serviceStandards: { scope: '济南市全域', users: 5000, concurrency: 200, responseTime: '95% 的请求在 2 秒内响应' },
    expectedBenefits: '降低主城区高峰拥堵时长约 5%，为交通管理部门提供决策参考。',
    securityCommitment: { signed: true, signedAt: '2025-03-02T08:00:00+08:00', signatory: '孙丽' },
    eligibility: {
      realNameVerified: true,
      creditCheck: { dishonestDebtor: false, seriouslyDishonestEnterprise: false, checkedAt: '2025-03-03T09:00:00+08:00' },
    },
  };
}

const toActive: [type: string, data: unknown, actor: Actor][] = [
  ['PASS_NORMATIVE_REVIEW', { opinion: '申请材料齐全、规范。' }, authority],
  ['APPROVE', { opinion: '符合开放条件，同意提供。' }, provider],
  [
    'SIGN_AGREEMENT',
    { agreementNo: 'JNGA-KF-2025-017', purpose: '出行分析与拥堵预测', useFrom: '2025-04-01', useTo: '2025-12-31', destructionDays: 30, resultsDueMonths: 6 },
    provider,
  ],
  ['GRANT_ACCESS', { note: '已在开放平台开通接口调用权限。' }, provider],
];

/** The applicant's commands in `active`, in turn: the measured mix. */
function activeCommand(n: number): { type: string; data: unknown } {
  switch (n % 5) {
    case 3:
      return { type: 'REPORT_RESULTS', data: { results: `出行分析平台第 ${n} 次迭代上线，服务用户 ${4000 + n} 人。` } };
    case 4:
      return { type: 'REPORT_SECURITY_INCIDENT', data: { description: `第 ${n} 次巡检发现一次异常调用，已封禁来源并开展排查。` } };
    default:
      return {
        type: 'REPORT_USAGE',
        // The clock's day, the agreement's first: v6 refuses a report of days not yet begun (附录5 协议二(二)).
        data: { period: { from: '2025-04-01', to: '2025-04-01' }, summary: `第 ${n} 期累计调用接口 ${(n % 50) + 10} 万次，用于高峰拥堵预测模型训练。` },
      };
  }
}

const rate = (count: number, ms: number) => (count / ms) * 1000;
const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const INSERT = 'INSERT INTO events (stream_id, revision, id, type, data, metadata, created) VALUES (?, ?, ?, ?, ?, ?, ?)';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
  try {
    // The day the example agreement's use begins: access is granted only within the agreed use (附录5 协议二(二)).
    const clock = new ManualClock('2025-04-01T01:30:00.000Z');
    const store = new SqliteEventStore({ path: join(dir, 'engine.db'), synchronous: 'FULL', now: () => clock.now() });
    const calendar = await CalendarInForce.open(store, clock, defaultCalendar());
    const engine = new Engine({ store, registry, directory: Directory.load(), clock, calendar: () => calendar.current(), deadlines: DEFAULT_DEADLINE_RULES });
    const scheduler = new Scheduler({ engine, store, clock });
    scheduler.followLinks();

    const raw = new Database(join(dir, 'raw.db'));
    applySqlitePragmas(raw, 'FULL');
    raw.exec(SQLITE_SCHEMA);
    const rawInsert = raw.prepare(INSERT);
    const rawAppend = raw.transaction((e: RecordedEvent) => {
      rawInsert.run(e.streamId, e.revision, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.created);
    });
    const adapter = new SqliteEventStore({ path: join(dir, 'adapter.db'), synchronous: 'FULL', now: () => clock.now() });
    if (![store, adapter].every((s) => promisesAsStore(raw, s))) throw new Error('the stores’ pragmas differ');

    // Cases with their history (not measured): started, driven to active, then used until 20 events.
    const cases: { caseId: string; applicant: Actor; revision: number }[] = [];
    let n = 0;
    for (let i = 0; i < CASES; i++) {
      // 第十三条(一): the applicant is the company the sender is authenticated as (the form's credit code).
      const applicant: Actor = { sub: `u-applicant-${i}`, name: '孙丽', role: 'applicant', org: application(i).applicant.creditCode };
      const started = await engine.start({ process: 'conditionalApplication', input: application(i), actor: applicant });
      let revision = started.revision;
      for (const [type, data, actor] of toActive) {
        revision = (await engine.execute({ caseId: started.caseId, type, data, actor, expectedRevision: revision })).revision;
      }
      while (revision + 1 < HISTORY) {
        const { type, data } = activeCommand(n++);
        revision = (await engine.execute({ caseId: started.caseId, type, data, actor: applicant, expectedRevision: revision })).revision;
      }
      cases.push({ caseId: started.caseId, applicant, revision });
    }
    // The baseline stores start from the same history.
    const setup: RecordedEvent[] = [];
    for await (const e of store.readAll()) setup.push(e);
    raw.transaction(() => {
      for (const e of setup) rawInsert.run(e.streamId, e.revision, e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.created);
    })();
    for (const e of setup) await adapter.appendToStream(e.streamId, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], { expectedRevision: e.revision === 0 ? 'no_stream' : e.revision - 1 });

    // Measured: engine command, then its stored event raw, then through the adapter — one by one.
    let engineMs = 0;
    let rawMs = 0;
    let adapterMs = 0;
    let bytes = 0;
    let minHistory = Infinity;
    for (let i = 0; i < WARMUP + MEASURED; i++) {
      const c = cases[i % CASES]!;
      const { type, data } = activeCommand(n++);
      minHistory = Math.min(minHistory, c.revision + 1);
      clock.advance(1000);

      let t = performance.now();
      const result = await engine.execute({ caseId: c.caseId, type, data, actor: c.applicant, expectedRevision: c.revision });
      const engineTook = performance.now() - t;
      c.revision = result.revision;
      const [event] = await store.readStream(result.event.streamId, { fromRevision: result.revision, maxCount: 1 });
      if (!event) throw new Error('the engine’s event is missing');

      t = performance.now();
      rawAppend.immediate(event);
      const rawTook = performance.now() - t;

      t = performance.now();
      await adapter.appendToStream(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }], { expectedRevision: event.revision - 1 });
      const adapterTook = performance.now() - t;

      if (i >= WARMUP) {
        engineMs += engineTook;
        rawMs += rawTook;
        adapterMs += adapterTook;
        bytes += JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
      }
    }

    // The engine's histories still verify, and the copies hold the same events.
    for (const c of cases.slice(0, 10)) {
      const verification = await engine.verify(c.caseId);
      if (!verification.ok) throw new Error(`case ${c.caseId} does not verify: ${verification.reason}`);
    }
    const head = await store.headPosition();
    const rawCount = raw.prepare<[], number>('SELECT count(*) FROM events').pluck().get();
    if (rawCount !== head || (await adapter.headPosition()) !== head) throw new Error('the copies differ from the engine’s store');

    const commands = rate(MEASURED, engineMs);
    const rawAppends = rate(MEASURED, rawMs);
    const adapterAppends = rate(MEASURED, adapterMs);
    const ratio = round(commands / rawAppends, 2);
    console.log(
      `Engine benchmark — SQLite WAL, synchronous=FULL, ${MEASURED} commands (after ${WARMUP} warm-up) on ${CASES} conditionalApplication cases with ≥ ${minHistory} events each;` +
        ` events of ${round(bytes / MEASURED)} bytes (data + metadata JSON) on average; the three sides alternate one command at a time`,
    );
    console.table([
      { side: 'engine: Engine.execute (REPORT_USAGE / REPORT_RESULTS / REPORT_SECURITY_INCIDENT)', 'per second': round(commands), 'µs each': round((engineMs / MEASURED) * 1000), 'vs raw': ratio },
      { side: 'raw: better-sqlite3 INSERT of the same event, own transaction', 'per second': round(rawAppends), 'µs each': round((rawMs / MEASURED) * 1000), 'vs raw': 1 },
      {
        side: 'adapter: SqliteEventStore.appendToStream of the same event',
        'per second': round(adapterAppends),
        'µs each': round((adapterMs / MEASURED) * 1000),
        'vs raw': round(adapterAppends / rawAppends, 2),
      },
    ]);

    scheduler.stop();
    raw.close();
    await adapter.close();
    await store.close();
    console.log(JSON.stringify({ name: 'engine-commands', value: round(commands), unit: 'commands/s', baseline: round(rawAppends), ratio }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
