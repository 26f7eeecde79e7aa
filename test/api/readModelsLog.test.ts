/**
 * What the server's log says while its read models follow an EventStoreDB that cannot be reached:
 * one line per retry (the retries back off to every 30 s: projections/runner.ts), in Chinese, naming
 * the hosts — never the connection string's credentials — what to check and when it is tried again,
 * without a stack; and one line when it answers again.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readModelsLog } from '../../api/app.js';
import { StoreUnreachableError, UnreadableEventError } from '../../eventstore/types.js';
import { createLogger } from '../../infra/logger.js';
import { ReadModelsOfAnotherVersion, UnreadableEventSkipped } from '../../projections/index.js';

const STORE = 'esdb://admin:changeit@db1:2113,db2:2113?tls=false';
const refused = () => new StoreUnreachableError(Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 10.0.0.1:2113'), { code: 14 }));

function logged(store = STORE) {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, next) => (lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]), next()) });
  return { lines, log: readModelsLog(createLogger({ level: 'info' }, sink), store) };
}

describe('the read models log, given EventStoreDB unreachable', () => {
  it('when the subscription fails and is retried, then one error line per retry, in Chinese, naming the hosts, the retry and its delay, without credentials or a stack', () => {
    const { lines, log } = logged();
    for (const [failures, delayMs] of [[1, 1_000], [2, 2_000], [7, 30_000]] as const) {
      const err = refused();
      log.onError!(err);
      log.onRetry!(err, { failures, delayMs });
    }
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, '无法连接 EventStoreDB（db1:2113,db2:2113）：读模型暂停更新（待办、案件列表和报表停留在连接中断时），1 秒后第 1 次重试；请确认它已启动、可以访问，并检查 WORKFLOW_STORE'],
      [50, '无法连接 EventStoreDB（db1:2113,db2:2113）：读模型暂停更新（待办、案件列表和报表停留在连接中断时），2 秒后第 2 次重试；请确认它已启动、可以访问，并检查 WORKFLOW_STORE'],
      [50, '无法连接 EventStoreDB（db1:2113,db2:2113）：读模型暂停更新（待办、案件列表和报表停留在连接中断时），30 秒后第 7 次重试；请确认它已启动、可以访问，并检查 WORKFLOW_STORE'],
    ]);
    expect(lines[0]).toMatchObject({ failures: 1, retryInSeconds: 1, cause: expect.stringContaining('ECONNREFUSED') });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('changeit');
    expect(text).not.toMatch(/\n\s+at /);
    expect(text).not.toContain('"stack"');
  });

  it('when it answers again, then one info line says the read models resume, with the failures in a row', () => {
    const { lines, log } = logged();
    log.onRecovered!(12, refused());
    expect(lines.map((l) => [l.level, l.msg, l.failures])).toEqual([[30, '已重新连接 EventStoreDB（db1:2113,db2:2113）：读模型恢复更新（此前连续失败 12 次）', 12]]);
  });

  it('when a fold fails instead (not the store), then it is logged with its stack as before, and its recovery said without naming EventStoreDB', () => {
    const { lines, log } = logged();
    const bug = new TypeError('fold failed');
    log.onError!(bug);
    log.onRetry!(bug, { failures: 1, delayMs: 1_000 });
    log.onRecovered!(1, bug);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, '读模型订阅出错，正在重试'],
      [30, '读模型订阅已恢复（此前连续失败 1 次）'],
    ]);
    expect(JSON.stringify(lines[0])).toContain('fold failed');
  });

  // The EventStoreDB client reads credentials as `user:password@` up to the first `@` (its
  // parseConnectionString), so a generated password may hold `/`, `?` or `#`: the hosts named in the
  // log stopped at that character and named the user and the password's first part instead.
  it.each([
    ['a `/`', 'esdb://admin:s3cr/et-pw@db1:2113,db2:2113?tls=false', 's3cr'],
    ['a `?`', 'esdb://admin:s3cr?et-pw@db1:2113,db2:2113?tls=false', 's3cr'],
    ['a `#`, with discovery', 'esdb+discover://admin:s3cr#et/pw@db1:2113,db2:2113', 's3cr'],
  ])('when the password holds %s, then the retry and the recovery lines name the hosts, and no part of the credentials', (_what, store, secret) => {
    const { lines, log } = logged(store);
    const err = refused();
    log.onError!(err);
    log.onRetry!(err, { failures: 1, delayMs: 1_000 });
    log.onRecovered!(1, err);
    expect(lines.map((l) => l.msg)).toEqual([
      '无法连接 EventStoreDB（db1:2113,db2:2113）：读模型暂停更新（待办、案件列表和报表停留在连接中断时），1 秒后第 1 次重试；请确认它已启动、可以访问，并检查 WORKFLOW_STORE',
      '已重新连接 EventStoreDB（db1:2113,db2:2113）：读模型恢复更新（此前连续失败 1 次）',
    ]);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('admin');
  });
});

describe('the read models log, given read models another version of the server wrote', () => {
  it('when they are rebuilt at start, then one info line names each with its versions (an upgrade is expected, not an error)', () => {
    const { lines, log } = logged('sqlite');
    log.onError!(new ReadModelsOfAnotherVersion([{ name: 'inbox', from: 5, to: 6 }, { name: 'sla', from: 9, to: 10 }]));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[30, '读模型 inbox（第 5 版 → 第 6 版）、sla（第 9 版 → 第 10 版）由其他版本的服务写入，正在按本服务的版本从位置 0 重建']]);
  });
});

describe('the read models log, given a stored event they skip', () => {
  // QA-D: a restart's catch-up folds the log in passes, each telling the event: three warnings for one event.
  it('when several folds tell the same event, then the log names it once; another event is named too', () => {
    const { lines, log } = logged('sqlite');
    const event = (position: number) => ({ streamId: `objection-00000000-0000-4000-8000-00000000000${position}`, revision: 1, position, id: `e${position}`, type: 'Responded' });
    const skipped = (position: number) => new UnreadableEventSkipped(event(position), 'metadata', new RangeError('metadata.caseId is not what the engine writes'), 'caseId');
    for (const err of [skipped(7), skipped(7), new UnreadableEventError(event(7), 'metadata', new SyntaxError('x')), skipped(9), skipped(7)]) log.onError!(err);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, skipped(7).message],
      [40, skipped(9).message],
    ]);
  });
});
