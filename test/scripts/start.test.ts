/**
 * `npm start` that cannot start says why in one Chinese line — `服务未启动：…` — with exit code 1
 * and no stack trace; one that starts names the address it actually listens on.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Directory } from '../../directory/directory.js';
import { LogNotFlushedError, StoreUnreachableError } from '../../eventstore/types.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { EsdbEventStore } from '../../eventstore/esdb.js';
import { defaultCalendar } from '../../calendars/index.js';
import { systemClock } from '../../infra/clock.js';
import { synthesise } from '../../scripts/bench/projections.js';
import { loadConfig } from '../../infra/config.js';
import { startupMessage, timerPassFailed, withoutCredentials } from '../../scripts/startupError.js';
import { mintToken } from '../../api/auth.js';
import { openTestApi, SECRET } from '../api/harness.js';
import { actors, startInputs } from '../machines/examples.js';
import { ROOT, runScript, startServer } from './spawnScript.js';

const root = mkdtempSync(join(tmpdir(), 'wf-start-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** A data folder not yet created, so a test can tell that nothing was written. */
const freshDataDir = () => join(root, `data-${++dirs}`);

/** Starts the server with `env`; it must fail. Answers its one line on stderr, after checking there is no stack. */
async function failedStart(env: Record<string, string>) {
  const run = await runScript('start.ts', [], { WORKFLOW_DATA_DIR: freshDataDir(), ...env });
  expect(run.status, run.stderr).toBe(1);
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/^ {4}at /m);
  expect(run.stdout).toBe('');
  return run.stderr;
}

describe('npm start, given a setting it cannot start with', () => {
  it('given WORKFLOW_STORE=foo, then it names the accepted forms, and writes nothing', async () => {
    const dataDir = freshDataDir();
    const stderr = await failedStart({ WORKFLOW_STORE: 'foo', WORKFLOW_DATA_DIR: dataDir });
    expect(stderr).toBe(
      '服务未启动：配置有误：' +
        'WORKFLOW_STORE：应为 sqlite，或 EventStoreDB 连接串：esdb://主机:2113?tls=false、esdb+discover://主机:2113\n',
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('given LOG_LEVEL=loud, then it names the levels pino knows', async () => {
    expect(await failedStart({ LOG_LEVEL: 'loud' })).toBe(
      '服务未启动：配置有误：LOG_LEVEL="loud"：应为 fatal、error、warn、info、debug、trace、silent 之一\n',
    );
  });

  it('given an EventStoreDB that nothing answers at, then it names the host and never the credentials', async () => {
    const stderr = await failedStart({ WORKFLOW_STORE: 'esdb://admin:changeit@127.0.0.1:1?tls=false' });
    expect(stderr).toBe('服务未启动：无法连接 EventStoreDB（127.0.0.1:1）：请确认它已启动、可以访问，并检查 WORKFLOW_STORE\n');
    expect(stderr).not.toContain('changeit');
  });

  it('given a PORT another process listens on, then it says the port is taken, and that alone: nothing of a read of the log it began (a store of 20,000 events)', async () => {
    const dataDir = freshDataDir();
    mkdirSync(dataDir);
    const store = new SqliteEventStore({ path: join(dataDir, 'events.db'), synchronous: 'OFF', now: systemClock.now });
    synthesise(store, Directory.load(), defaultCalendar(), { events: 20_000, casesPerDay: 6000 });
    await store.close();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      expect(await failedStart({ PORT: String(port), WORKFLOW_DATA_DIR: dataDir })).toBe(`服务未启动：端口 ${port} 已被占用（127.0.0.1）：请换一个 PORT，或先停止占用它的进程\n`);
    } finally {
      holder.close();
    }
  });

  // CI: preparing the read models of 20,000 events took 8 s on a loaded host, and their progress lines came before
  // the port's refusal (the test above failed). The port is asked about before the app opens: nothing is read or made.
  it('given a PORT another process listens on and a data folder not made yet, then it says the port is taken, and makes no folder', async () => {
    const dataDir = freshDataDir();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      expect(await failedStart({ PORT: String(port), WORKFLOW_DATA_DIR: dataDir })).toBe(`服务未启动：端口 ${port} 已被占用（127.0.0.1）：请换一个 PORT，或先停止占用它的进程\n`);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('given a HOST that does not resolve, then it names the host', async () => {
    expect(await failedStart({ HOST: 'no-such-host.invalid' })).toBe('服务未启动：无法解析主机名 no-such-host.invalid：请检查 HOST\n');
  });

  it('given a WORKFLOW_DATA_DIR that is a file, then it says the data folder is not a folder', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(await failedStart({ WORKFLOW_DATA_DIR: file })).toBe(`服务未启动：数据目录 ${file} 不是文件夹（它或它的上级是一个文件）：请检查 WORKFLOW_DATA_DIR\n`);
    expect(await failedStart({ WORKFLOW_DATA_DIR: join(file, 'below') })).toContain('不是文件夹');
  });

  // Node's recursive mkdir retries for ever when a folder's parent exists but none can be made in it (procfs answers ENOENT).
  it.skipIf(!existsSync('/proc/self'))('given a WORKFLOW_DATA_DIR where no folder can be made (under /proc), then it says so and exits, instead of hanging', async () => {
    expect(await failedStart({ WORKFLOW_DATA_DIR: '/proc/no-such-folder/data' })).toBe('服务未启动：无法创建数据目录 /proc/no-such-folder/data（该位置不能建文件夹）：请检查 WORKFLOW_DATA_DIR\n');
  });

  it('given WORKFLOW_ORGS naming a missing file, a file of bad JSON or not UTF-8, or JSON not a directory, then it says which', async () => {
    const missing = join(root, 'missing.json');
    expect(await failedStart({ WORKFLOW_ORGS: missing })).toBe(`服务未启动：WORKFLOW_ORGS 指向的机构目录文件不存在：${missing}\n`);
    // A relative path is read from the folder the server starts in (npm start: the project's): said, with where that is.
    expect(await failedStart({ WORKFLOW_ORGS: 'no-such-orgs.json' })).toBe(
      `服务未启动：WORKFLOW_ORGS 指向的机构目录文件不存在：no-such-orgs.json（WORKFLOW_ORGS 为相对路径，按启动目录解析为 ${join(ROOT, 'no-such-orgs.json')}）\n`,
    );

    const badJson = join(root, 'bad.json');
    writeFileSync(badJson, '[{"code": "370100-dsj",');
    expect(await failedStart({ WORKFLOW_ORGS: badJson })).toBe(`服务未启动：WORKFLOW_ORGS 指向的文件 ${badJson} 不是有效的 JSON（第 1 行第 24 列处有误）\n`);
    // One organisation a line (NDJSON) for the directory's array: where, by line and column, not V8's English offset.
    const ndjson = join(root, 'orgs.ndjson');
    writeFileSync(ndjson, '{"code": "370100-dsj"}\n{"code": "370100-gaj"}\n');
    expect(await failedStart({ WORKFLOW_ORGS: ndjson })).toBe(`服务未启动：WORKFLOW_ORGS 指向的文件 ${ndjson} 不是有效的 JSON（第 2 行第 1 列处有误）\n`);

    // Saved as GBK on a Chinese Windows (山东 as C9 BD B6 AB): refused, not started with every name garbled.
    const gbk = join(root, 'orgs-gbk.json');
    writeFileSync(gbk, Buffer.concat([Buffer.from('[{"code": "370000-dsj", "name": "'), Buffer.from([0xc9, 0xbd, 0xb6, 0xab]), Buffer.from('", "kind": "authority", "level": "province", "region": "370000"}]')]));
    expect(await failedStart({ WORKFLOW_ORGS: gbk })).toBe(`服务未启动：WORKFLOW_ORGS 指向的文件 ${gbk} 不是 UTF-8 编码的文本（可能被另存为 GBK 等其他编码），机构名称会成为乱码：请以 UTF-8 编码另存后重试\n`);
    // npm run demo runs the start's check (QA: it did not, and said its own words): the path named once.
    const demo = await runScript('demo.ts', ['--cases', '2', '--quiet'], { WORKFLOW_DATA_DIR: join(root, 'demo-gbk'), WORKFLOW_ORGS: gbk });
    expect([demo.status, demo.stderr]).toEqual([1, `演示数据未能生成：WORKFLOW_ORGS 指向的文件 ${gbk} 不是 UTF-8 编码的文本（可能被另存为 GBK 等其他编码），机构名称会成为乱码：请以 UTF-8 编码另存后重试\n`]);

    const wrong = join(root, 'wrong.json');
    const org = { code: '370100-dsj', name: '济南市大数据局', kind: 'authority', level: 'city', region: '370100' };
    writeFileSync(wrong, JSON.stringify([{ ...org, kind: 'bureau' }, { ...org, code: '370100-gaj', region: '3701' }, {}, {}]));
    const stderr = await failedStart({ WORKFLOW_ORGS: wrong });
    expect(stderr).toMatch(new RegExp(`^服务未启动：WORKFLOW_ORGS 指向的机构目录 ${wrong} 格式有误（每项应有 code、name、kind、level、region）：`));
    expect(stderr).toContain('第 1 项 kind：');
    expect(stderr).toContain('第 2 项 region：应为 6 位行政区划代码');
    expect(stderr).toMatch(/；另有 \d+ 处\n$/);
    expect(stderr).not.toContain('ZodError');

    // A directory that contradicts itself: a level its region code denies; two authorities for one region.
    const shipped = Directory.load().list();
    const contradictions: [string, unknown[], string][] = [
      ['level.json', shipped.map((o) => (o.code === '370100-dsj' ? { ...o, level: 'province' } : o)), '机构目录中机构 370100-dsj（济南市大数据局）的级别 province 与其行政区划 370100 不符：该区划为 city 级'],
      ['two.json', [...shipped, { ...org, code: '370100-dsj-new', name: '济南市大数据局（新）' }], '机构目录中行政区划 370100 有两个公共数据开放主管部门：370100-dsj 与 370100-dsj-new'],
    ];
    for (const [name, orgs, message] of contradictions) {
      const file = join(root, name);
      writeFileSync(file, JSON.stringify(orgs));
      expect(await failedStart({ WORKFLOW_ORGS: file })).toBe(`服务未启动：WORKFLOW_ORGS 指向的机构目录 ${file} 无法使用：${message}\n`);
    }

    // A directory nobody can review under: an empty list, or providers alone.
    const provider = { code: '370100-gaj', name: '济南市公安局', kind: 'provider', level: 'city', region: '370100' };
    for (const [name, orgs] of [['empty.json', []], ['providers.json', [provider]]] as const) {
      const file = join(root, name);
      writeFileSync(file, JSON.stringify(orgs));
      expect(await failedStart({ WORKFLOW_ORGS: file })).toBe(`服务未启动：WORKFLOW_ORGS 指向的机构目录 ${file} 中没有任何主管部门（kind 为 authority 的机构）：没有人能审核，请检查文件\n`);
    }
  }, 120_000); // a start for each bad file, one after another: 33–43 s in a full run beside other work
});

describe('startupMessage, for what root (who runs these tests) cannot be refused', () => {
  const config = loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf' });
  const failure = (code: string, syscall?: string) => Object.assign(new Error(code), { code, ...(syscall ? { syscall } : {}) });

  it('given a data folder SQLite cannot open or write, or the folder cannot be made, then 数据目录不可写', () => {
    for (const err of [failure('SQLITE_CANTOPEN'), failure('SQLITE_READONLY'), failure('SQLITE_READONLY_DIRECTORY'), failure('EACCES', 'mkdir')]) {
      expect(startupMessage(err, config)).toBe('数据目录 /srv/wf 不可写：请检查 WORKFLOW_DATA_DIR 及其权限');
    }
  });

  it('given a file that is no SQLite database, then the embedded store names events.db (restore it); with EventStoreDB, the read models\' file (delete it: it is rebuilt)', () => {
    expect(startupMessage(failure('SQLITE_NOTADB'), config)).toBe('事件库 /srv/wf/events.db 不是可读的 SQLite 数据库（已损坏或被替换）：请从备份恢复，或检查 WORKFLOW_DATA_DIR');
    const esdb = loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf', WORKFLOW_STORE: 'esdb://db:2113?tls=false' });
    expect(startupMessage(failure('SQLITE_NOTADB'), esdb)).toBe('读模型库 /srv/wf/readmodels.db 不是可读的 SQLite 数据库：可删除它（连同 -wal、-shm 文件），启动时会从事件日志重建');
  });

  it('given the store failing under it (a full disk, a lock held too long, a disk fault, a log not flushed), then what to look at, in Chinese, not SQLite\'s English', () => {
    expect(startupMessage(failure('SQLITE_FULL'), config)).toBe('数据目录 /srv/wf 所在的磁盘已满：请清理磁盘');
    expect(startupMessage(failure('ENOSPC'), config)).toBe('数据目录 /srv/wf 所在的磁盘已满：请清理磁盘');
    expect(startupMessage(failure('SQLITE_BUSY'), config)).toBe('事件库被其他进程长时间占用（写锁）：请等它完成');
    expect(startupMessage(failure('SQLITE_IOERR_WRITE'), config)).toBe('读写数据目录 /srv/wf 时出错（磁盘故障、文件被删除或打开的文件过多）：请检查磁盘');
    expect(startupMessage(new LogNotFlushedError(new Error('EIO')), config)).toBe('事件库的日志未能写入磁盘：请检查磁盘');
  });

  it('given EventStoreDB unreachable as the adapter tells it (StoreUnreachableError, the client\'s error its cause), then 无法连接 EventStoreDB naming the hosts, not the English message', () => {
    const esdb = loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf', WORKFLOW_STORE: 'esdb://admin:changeit@db1:2113,db2:2113?tls=false' });
    const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED'), { code: 14 });
    const late = Object.assign(new Error('Deadline exceeded'), { type: 'deadline-exceeded' });
    for (const cause of [refused, late]) {
      expect(startupMessage(new StoreUnreachableError(cause), esdb)).toBe('无法连接 EventStoreDB（db1:2113,db2:2113）：请确认它已启动、可以访问，并检查 WORKFLOW_STORE');
    }
  });

  it('given EventStoreDB refusing the connection string\'s user (the client\'s AccessDeniedError: wrong password, or no right to read $all), then 拒绝访问 naming the hosts and what the user needs, not "Access denied"', () => {
    const esdb = loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf', WORKFLOW_STORE: 'esdb://ops:wrong@db1:2113?tls=true' });
    const denied = Object.assign(new Error('Access denied'), { type: 'access-denied', code: 7 });
    expect(startupMessage(denied, esdb)).toBe('EventStoreDB（db1:2113）拒绝访问：请检查 WORKFLOW_STORE 中的用户名和密码，该用户须能读写事件流并读取 $all（默认须属 $admins 或 $ops 组）');
    // WORKFLOW_STORE the client's parser cannot read: its error in Chinese, naming the variable, quoting no credentials.
    for (const [store, said] of [
      ['esdb://127.0.0.1:2113?tls=maybe', '第 27 个字符处的“maybe”无法识别，此处应为 true 或 false'],
      ['esdb://admin:secret@db1:2113?keepAliveInterval=soon', '第 48 个字符处的“soon”无法识别，此处应为 整数'],
      ['esdb://:::', '第 9 个字符处无法识别（主机与端口部分：应为 主机:端口，多个以“,”分隔；用户名和密码应以“@”结尾），此处应为 “,”（下一个节点）或“?选项=值”'],
    ] as const) {
      let parsed: unknown;
      try {
        EsdbEventStore.open(store);
      } catch (error) {
        parsed = error;
      }
      expect(startupMessage(parsed, loadConfig({ WORKFLOW_STORE: store }))).toBe(`WORKFLOW_STORE 不是有效的 EventStoreDB 连接字符串：${said}`);
    }
    // A password whose @ was mistyped reads to the client as hosts: the fault it names is never quoted.
    let mistyped: unknown;
    try {
      EsdbEventStore.open('esdb://admin:changeit#db1:2113?tls=false');
    } catch (error) {
      mistyped = error;
    }
    const said = startupMessage(mistyped, loadConfig({ WORKFLOW_STORE: 'esdb://admin:changeit#db1:2113?tls=false' }));
    expect(said).toMatch(/^WORKFLOW_STORE 不是有效的 EventStoreDB 连接字符串：第 \d+ 个字符处无法识别（主机与端口部分/);
    expect(said).not.toContain('changeit');
    // Credentials the client takes though a URL would not (an @ in the user name, spaces in the password): never named.
    for (const store of ['esdb://ops@corp.example:Secret99@db1:2113?tls=false', 'esdb://admin:pa ss word@db1:2113?tls=false']) {
      const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
      expect(startupMessage(new StoreUnreachableError(refused), loadConfig({ WORKFLOW_STORE: store }))).toBe('无法连接 EventStoreDB（db1:2113）：请确认它已启动、可以访问，并检查 WORKFLOW_STORE');
      expect(withoutCredentials(`cannot use ${store} now`)).toBe('cannot use esdb://***@db1:2113?tls=false now');
    }
    // As the adapter tells it (a request's 503 storeUnreachable), the client's error its cause.
    expect(startupMessage(new StoreUnreachableError(denied), esdb)).toBe('EventStoreDB（db1:2113）拒绝访问：请检查 WORKFLOW_STORE 中的用户名和密码，该用户须能读写事件流并读取 $all（默认须属 $admins 或 $ops 组）');
  });

  it('given a timer pass that met EventStoreDB unreachable, then one Chinese line naming the hosts and the next pass, without the client\'s error and stack; any other failure with its error', () => {
    const esdb = loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf', WORKFLOW_STORE: 'esdb://admin:changeit@db1:2113?tls=false' });
    const lines: [object, string][] = [];
    const logger = { error: (fields: object, message: string) => void lines.push([fields, message]) };
    const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    timerPassFailed(logger, new StoreUnreachableError(refused), esdb, 60);
    expect(lines).toEqual([[{ cause: '14 UNAVAILABLE: No connection established' }, '本次未能触发到期的系统指令，60 秒后再试：无法连接 EventStoreDB（db1:2113）：请确认它已启动、可以访问，并检查 WORKFLOW_STORE']]);
    const other = new Error('boom');
    timerPassFailed(logger, other, esdb, 60);
    expect(lines[1]).toEqual([{ err: other }, '触发到期系统指令失败']);
  });

  it('given a path the system will not follow (a loop of symbolic links, a name too long), then the path and what is wrong, in Chinese, not Node\'s English', () => {
    const loop = Object.assign(new Error("ELOOP: too many symbolic links encountered, mkdir '/srv/loop/wf'"), { code: 'ELOOP', syscall: 'mkdir', path: '/srv/loop/wf' });
    expect(startupMessage(loop, config)).toBe('路径 /srv/loop/wf 中的符号链接构成循环，无法访问：请检查 WORKFLOW_DATA_DIR');
    const long = Object.assign(new Error('ENAMETOOLONG: name too long, mkdir'), { code: 'ENAMETOOLONG', syscall: 'mkdir' });
    expect(startupMessage(long, config)).toBe('路径 /srv/wf 过长（其中一段超过 255 字节，或全长超过系统上限）：请换用较短的路径');
  });

  it('given an unknown error, then its message, with any connection string credentials masked', () => {
    expect(startupMessage(new Error('bad esdb://admin:changeit@db:2113?tls=false'), config)).toBe('bad esdb://***@db:2113?tls=false');
  });

  it('given an unknown error naming a connection string whose password holds `/`, `?` or `#` (the client reads it up to the first `@`), then no part of the password, and the hosts named', () => {
    for (const store of ['esdb://admin:s3cr/et@db:2113?tls=false', 'esdb://admin:s3cr?et@db:2113?tls=false', 'esdb+discover://admin:s3cr#et/x@db:2113']) {
      const said = startupMessage(new Error(`bad ${store}; retried`), config);
      expect(said).toMatch(/^bad esdb(\+discover)?:\/\/\*\*\*@db:2113/);
      expect(said).not.toContain('s3cr');
    }
  });

  it('given EventStoreDB unreachable at a connection string whose password holds a `/`, then the hosts, not the user and the password\'s first part', () => {
    const esdb = loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf', WORKFLOW_STORE: 'esdb://admin:s3cr/et@db1:2113,db2:2113?tls=false' });
    const refused = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    expect(startupMessage(new StoreUnreachableError(refused), esdb)).toBe('无法连接 EventStoreDB（db1:2113,db2:2113）：请确认它已启动、可以访问，并检查 WORKFLOW_STORE');
  });
});

describe('npm start, given PORT=0', () => {
  it('then the startup log names the port the system chose, the server answers there, and SIGTERM stops it with exit 0', async () => {
    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: freshDataDir() });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.url).not.toMatch(/:0$/);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      // The heap growth it set (scripts/heapGrowth.ts), said in the line that it started.
      expect(startedLine(server.output())).toMatchObject({ heapGrowingPercent: 300 });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('given node started with a heap growth of its own, then the server keeps it and says so', async () => {
    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: freshDataDir() }, [process.execPath, ['--heap-growing-percent=150', '--import', 'tsx', 'scripts/start.ts']]);
    try {
      expect(startedLine(server.output())).toMatchObject({ heapGrowingPercent: 150 });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

/** The log line saying that the server started, parsed. */
function startedLine(output: string): Record<string, unknown> {
  const line = output.split('\n').find((l) => l.includes('工作流服务已启动'));
  expect(line).toBeDefined();
  return JSON.parse(line!) as Record<string, unknown>;
}

describe('npm start, given a data folder it makes', () => {
  // 个人信息保护法 第五十一条(二): the store holds natural persons' names, 身份证号, phones and e-mails
  // (FORMS.md Applicant); the development secret signs every token. Neither is for other users of the host.
  it('then the folder and every file it writes there (the store, its -wal and -shm, the secret) are its own user\'s only', async () => {
    const dataDir = freshDataDir();
    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: dataDir });
    try {
      // A release's draft: its start counts no deadline, so it is stored whatever the machine's clock
      // says (an objection's is refused from 2028, a year past the calendar); the server has no test clock.
      const token = await mintToken(readFileSync(join(dataDir, 'dev-jwt-secret'), 'utf8').trim(), { sub: actors.provider.sub, role: 'provider', org: actors.provider.org });
      const started = await fetch(`${server.url}/v1/cases`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ process: 'datasetRelease', input: startInputs.datasetRelease }),
      });
      expect(started.status).toBe(201);
      const files = readdirSync(dataDir);
      expect(files).toEqual(expect.arrayContaining(['events.db', 'events.db-wal', 'events.db-shm', 'dev-jwt-secret']));
      const open = ['.', ...files].map((name) => `${name} ${(statSync(join(dataDir, name)).mode & 0o777).toString(8)}`);
      expect(open.filter((entry) => !/ [67]00$/.test(entry))).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('npm start, given a WORKFLOW_JWKS_URL whose key set cannot be used', () => {
  it('then, once listening, it warns naming the URL and what it answered (operations QA: a 404 started without a word, and every token was then 503)', async () => {
    const idp = createHttpServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const jwks = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`;
    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: freshDataDir(), WORKFLOW_JWKS_URL: jwks });
    try {
      const warning = `无法使用 WORKFLOW_JWKS_URL 所指的身份提供方公钥集：JWKS 地址 ${jwks} 回答 HTTP 404。`;
      await new Promise<void>((resolve) => {
        const look = () => {
          if (!server.output().includes(warning)) return;
          server.child.stdout.off('data', look);
          resolve();
        };
        server.child.stdout.on('data', look);
        look();
      });
      const line = JSON.parse(server.output().split('\n').find((l) => l.includes(warning))!) as { level: number; jwksUrl: string };
      expect([line.level, line.jwksUrl]).toEqual([40, jwks]);
    } finally {
      expect(await server.stop()).toBe(0);
      await new Promise<void>((resolve) => idp.close(() => resolve()));
    }
  });
});

describe('npm start, given a directory (WORKFLOW_ORGS) in which a city’s providers have no 主管部门 (第六条)', () => {
  it('then the startup log warns, naming the region and how many, before it says it has started (reform QA: nothing was said until each provider’s first submission)', async () => {
    const shipped = Directory.load().list();
    const file = join(root, 'no-zibo-bureau.json');
    writeFileSync(file, JSON.stringify(shipped.filter((o) => o.code !== '370300-dsj')));
    const providers = shipped.filter((o) => o.kind === 'provider' && o.region === '370300' && o.successor === undefined).length;
    expect(providers).toBeGreaterThan(0);
    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: freshDataDir(), WORKFLOW_ORGS: file });
    try {
      const log = server.output();
      expect(log).toContain(`机构目录中有 ${providers} 个开放主体没有本级公共数据开放主管部门（第六条；行政区划 370300 的 ${providers} 个）`);
      expect(log.indexOf('没有本级公共数据开放主管部门')).toBeLessThan(log.indexOf('工作流服务已启动'));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('npm start, given a directory (WORKFLOW_ORGS) that lacks providers the stored cases name', () => {
  it('then the startup log warns how many providers and cases, naming them, before it says it has started; with the whole directory, it does not', async () => {
    const dataDir = freshDataDir();
    const api = await openTestApi(dataDir);
    try {
      const applicant = await mintToken(SECRET, { sub: actors.company.sub, role: 'applicant', org: actors.company.org });
      for (const providerOrg of ['370100-gaj', '370100-gaj', '370200-gaj']) {
        const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'objection', input: { ...startInputs.objection, providerOrg } } });
        expect(res.status, res.text).toBe(201);
      }
    } finally {
      await api.close();
    }
    const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../../directory/data/shandong.json', import.meta.url)), 'utf8')) as { code: string }[];
    const partial = join(root, 'partial-orgs.json');
    writeFileSync(partial, JSON.stringify(shipped.filter((o) => o.code !== '370100-gaj')));

    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: dataDir, WORKFLOW_ORGS: partial });
    try {
      const log = server.output();
      expect(log).toContain('机构目录中缺少 1 个提供单位（涉及 2 个案件）');
      expect(log).toContain('"providers":[{"org":"370100-gaj","cases":2}]');
      // Their open tasks, in an inbox no token may open: said too, naming what to do (机构改革: keep the entry with `successor`).
      expect(log).toContain('机构目录中缺少 1 个机构，有 2 项未办结的待办分派给它们');
      expect(log).toContain('"orgs":[{"org":"370100-gaj","tasks":2}]');
      expect(log.indexOf('未办结的待办分派给它们')).toBeLessThan(log.indexOf('工作流服务已启动'));
      expect(log.indexOf('机构目录中缺少')).toBeLessThan(log.indexOf('工作流服务已启动'));
      // fastify's listen line in Chinese too, not "Server listening at …".
      expect(log).toContain('"msg":"正在监听 http://');
      expect(log).not.toContain('Server listening');
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // With the whole directory, no warning.
    const whole = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: dataDir });
    try {
      expect(whole.output()).not.toContain('机构目录中缺少');
      expect(whole.output()).not.toContain('未办结的待办分派给它们');
      expect(whole.output()).not.toContain('已无权办理');
    } finally {
      expect(await whole.stop()).toBe(0);
    }
  });
});

describe('npm start, given a directory in which a county provider\'s duties passed to the city\'s unit, its county bureau kept (机构改革)', () => {
  it('then the startup log names the open 本级 task still held by the county bureau, which may no longer act on it, and the one that may; the task is handed on, and a second start finds none', async () => {
    const dataDir = freshDataDir();
    const api = await openTestApi(dataDir);
    try {
      const applicant = await mintToken(SECRET, { sub: actors.company.sub, role: 'applicant', org: actors.company.org });
      const input = startInputs.conditionalApplication;
      const res = await api.call('POST', '/v1/cases', { as: applicant, body: { process: 'conditionalApplication', input: { ...input, resource: { ...input.resource, providerOrg: '370102-scjgj' } } } });
      expect(res.status, res.text).toBe(201);
    } finally {
      await api.close();
    }
    const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../../directory/data/shandong.json', import.meta.url)), 'utf8')) as { code: string }[];
    const moved = join(root, 'moved-orgs.json');
    writeFileSync(moved, JSON.stringify(shipped.map((o) => (o.code === '370102-scjgj' ? { ...o, successor: '370100-scjgj' } : o))));
    const server = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: dataDir, WORKFLOW_ORGS: moved });
    try {
      const log = server.output();
      expect(log).toContain('有 1 项未办结的待办分派给按当前机构目录已无权办理的机构（济南市历下区大数据局）：现转给 mayActNow 所列机构办理，期限不变');
      expect(log).toContain('"orgs":[{"org":"370102-dsj","tasks":1,"mayActNow":["370100-dsj"]}]');
      expect(log.indexOf('已无权办理')).toBeLessThan(log.indexOf('工作流服务已启动'));
      // Handed on in the background, once the server listens.
      await vi.waitFor(() => expect(server.output()).toContain('已按当前机构目录将 1 项待办转给有权办理的机构（涉及 1 个案件）'), { timeout: 20_000, interval: 50 });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const again = await startServer({ PORT: '0', WORKFLOW_DATA_DIR: dataDir, WORKFLOW_ORGS: moved });
    try {
      expect(again.output()).not.toContain('已无权办理');
      expect(again.output()).not.toContain('重新分派');
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
