/**
 * The command-line tools refuse what they cannot work on in one Chinese line, with the exit code
 * their usage promises, never a stack trace (README: "one line, DEBUG=1 adds the stack trace"):
 * given a data folder whose events.db is no database, or is a folder, an export file that may not be
 * read, or a store with no case, when an operator runs them, then they say so.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../directory/directory.js';
import { SqliteEventStore } from '../../eventstore/sqlite.js';
import { systemClock } from '../../infra/clock.js';
import { ROOT, runScript } from './spawnScript.js';
import { spawnText } from '../spawnText.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'wf-refusals-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A data folder whose events.db is `what`. */
function folderWith(name: string, what: 'garbage' | 'folder'): string {
  const dir = join(root, name);
  mkdirSync(dir);
  if (what === 'garbage') writeFileSync(join(dir, 'events.db'), 'this is not a database, it only has the name of one');
  else mkdirSync(join(dir, 'events.db'));
  return dir;
}

describe('a data folder whose store cannot be opened', () => {
  it('given an events.db that is no database, when npm run rebuild runs, then one line naming the file, exit 1, no stack', async () => {
    const dir = folderWith('garbage-rebuild', 'garbage');
    const run = await runScript('rebuild.ts', [], { WORKFLOW_DATA_DIR: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`无法打开数据：事件库 ${join(dir, 'events.db')} 不是可读的 SQLite 数据库（已损坏或被替换）：请从备份恢复，或检查 WORKFLOW_DATA_DIR\n`);
  });

  it('given an events.db that is a folder, when npm run demo runs, then one line saying so, exit 1', async () => {
    const dir = folderWith('folder-demo', 'folder');
    const run = await runScript('demo.ts', ['--cases', '5', '--quiet'], { WORKFLOW_DATA_DIR: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`演示数据未能生成：事件库 ${join(dir, 'events.db')} 是文件夹，不是数据库文件`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('given a WORKFLOW_ORGS npm start would refuse (no provincial bureau), when npm run demo runs, then the same refusal in Chinese, exit 1, nothing made (QA: "no authority for region 370000")', async () => {
    const dir = join(root, 'demo-no-province');
    const orgs = join(root, 'no-province.json');
    writeFileSync(orgs, JSON.stringify(Directory.load().list().filter((o) => o.code !== '370000-dsj')));
    const run = await runScript('demo.ts', ['--cases', '3', '--quiet'], { WORKFLOW_DATA_DIR: dir, WORKFLOW_ORGS: orgs });
    expect([run.status, run.stderr]).toEqual([
      1,
      `演示数据未能生成：WORKFLOW_ORGS 指向的机构目录 ${orgs} 中没有省公共数据开放主管部门（行政区划 370000、kind 为 authority 的机构，第六条）：管理员、省级监督和审计人员将无法使用，省级审核无人办理，请检查文件\n`,
    ]);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('the operator commands, given a data folder they cannot use', () => {
  it('given an events.db that is a folder, when backup, rebuild or replay runs, then each says so in one line, exit 1 (replay blamed the disk, backup the permissions)', async () => {
    const dir = folderWith('folder-tools', 'folder');
    const said = `事件库 ${join(dir, 'events.db')} 是文件夹，不是数据库文件：请检查 WORKFLOW_DATA_DIR\n`;
    for (const [script, args] of [['backup.ts', [join(root, 'folder-tools.db')]], ['rebuild.ts', []], ['replay.ts', ['--all']]] as const) {
      const run = await runScript(script, [...args], { WORKFLOW_DATA_DIR: dir });
      expect([script, run.status, run.stderr]).toEqual([script, 1, said]);
    }
  });

  // Only root can make a folder another user may not enter and run the commands as that user.
  it.skipIf(process.getuid?.() !== 0)('given a data folder the user running them may not enter (a service\'s, mode 700), when backup, rebuild or replay runs, then each says it may not, exit 1, not that the folder holds no store', async () => {
    const dir = join(root, 'private-data');
    mkdirSync(dir, { mode: 0o700 });
    await new SqliteEventStore({ path: join(dir, 'events.db'), now: systemClock.now }).close();
    chmodSync(root, 0o755);
    const said = `无权访问数据目录 ${dir}：请以运行服务的用户执行，或检查其权限。\n`;
    for (const [script, args] of [['backup.ts', [join(tmpdir(), `wf-never-${process.pid}.db`)]], ['rebuild.ts', []], ['replay.ts', ['--all']]] as const) {
      const run = await spawnText(process.execPath, ['--import', 'tsx', join('scripts', script), ...args], { cwd: ROOT, uid: 65534, gid: 65534, env: { ...process.env, WORKFLOW_DATA_DIR: dir } });
      expect([script, run.status, run.stderr]).toEqual([script, 1, said]);
    }
  });
});

describe('npm run verify-export of a file it may not read', () => {
  it('then one line, exit 2 (a file to fix), not 1 (an export that failed its check)', async () => {
    const file = join(root, 'unreadable.ndjson');
    writeFileSync(file, '{}\n');
    chmodSync(file, 0o000);
    chmodSync(root, 0o755);
    // root may read anything: the check runs as nobody when these tests run as root.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', file], { cwd: ROOT, ...asNobody });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^无法读取文件 ${file}（EACCES）：请检查其权限\\n$`));
  });
});

describe('npm run verify-export of an export made before its lines carried what their hashes cover', () => {
  it('then one line saying it cannot be checked from the file and what to do, exit 2 (not 1: nothing was found altered)', async () => {
    const file = join(root, 'older.ndjson');
    const line = (revision: number) => JSON.stringify({ caseId: '0c5b2d0e-6a1f-4c4e-9a53-1b2c3d4e5f60', revision, position: revision + 1, command: 'START', at: '2026-01-05T01:00:00.000Z' });
    writeFileSync(file, `${line(0)}\n${line(1)}\n`);
    const run = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', '--quiet', file], { cwd: ROOT });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^${file} 中的案件事件行都不含重算哈希所需的字段[^\\n]*早期版本的审计导出格式[^\\n]*重新导出[^\\n]*\\n$`));
  });
});

describe('npm run verify-export of what is no export as it was written', () => {
  it('given a file re-saved in another encoding (GBK), then one line saying it is not UTF-8, exit 2 (a file to fix), not every line "possibly altered"', async () => {
    const file = join(root, 'gbk.ndjson');
    // 山东 in GBK, where the export wrote UTF-8.
    const gbk = Buffer.from([0xc9, 0xbd, 0xb6, 0xab]);
    const head = Buffer.from('{"caseId":"0c5b2d0e-6a1f-4c4e-9a53-1b2c3d4e5f60","revision":0,"stream":"objection-0c5b2d0e-6a1f-4c4e-9a53-1b2c3d4e5f60","metadata":{},"title":"');
    writeFileSync(file, Buffer.concat([head, gbk, Buffer.from('"}\n')]));
    const run = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', '--quiet', file], { cwd: ROOT });
    expect([run.status, run.stderr]).toEqual([2, `${file} 不是 UTF-8 编码的文本（可能被另存为 GBK 等其他编码）：请校验导出时得到的原始文件\n`]);
  });

  it('given a download cut inside a character (UTF-8, its last line incomplete), then its whole lines are checked and the last named as no JSON, exit 1, as docs/verify_export.py does: not "not UTF-8" (compliance QA)', async () => {
    const file = join(root, 'cut-mid-character.ndjson');
    const line = (revision: number) => JSON.stringify({ caseId: '0c5b2d0e-6a1f-4c4e-9a53-1b2c3d4e5f60', revision, stream: 'objection-0c5b2d0e-6a1f-4c4e-9a53-1b2c3d4e5f60', title: '山东' });
    const whole = Buffer.from(`${line(0)}\n${line(1)}\n`);
    // Cut after the first byte of 山 in the second line.
    const cut = whole.subarray(0, whole.length - Buffer.byteLength('山东"}\n') + 1);
    writeFileSync(file, cut);
    const run = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', '--quiet', file], { cwd: ROOT });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/第 2 行[^\n]*不是有效的 JSON/);
    expect(run.stderr).not.toContain('不是 UTF-8');
    const reference = await spawnText('python3', [join(ROOT, 'docs/verify_export.py'), file]);
    expect(reference.status, reference.stdout + reference.stderr).toBe(1);
    expect(reference.stdout).toMatch(/第 2 行：不是有效的 JSON/);
  });

  it('given two files, or none, then it says which is wrong before the usage, as the other tools do, and exits 2', async () => {
    const two = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', 'a.ndjson', 'b.ndjson'], { cwd: ROOT });
    expect([two.status, two.stderr.split('\n')[0]]).toEqual([2, '参数有误：多余的参数 b.ndjson']);
    const none = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', '--lang', 'en'], { cwd: ROOT });
    expect([none.status, none.stderr.split('\n')[0]]).toEqual([2, 'invalid arguments: no audit export file given']);
  });

  it('given a pipe or a device for a file (/dev/null), then it reads it: no "找不到文件"', async () => {
    const run = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/verifyExport.ts', '--quiet', '/dev/null'], { cwd: ROOT });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('文件中没有任何事件');
  });
});

describe('npm run replay -- --all on a store with no case', () => {
  it('then it says there was nothing to verify and exits 1: a data folder typed wrong is no pass', async () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    await new SqliteEventStore({ path: join(dir, 'events.db'), now: systemClock.now }).close();
    const run = await runScript('replay.ts', ['--all', '--quiet'], { WORKFLOW_DATA_DIR: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`事件库中没有任何案件（数据目录 ${dir}）：没有可校验的内容`);
  });
});

describe('npm run replay -- --all on a store whose file opens but a page is damaged', () => {
  // Operators' QA: SQLite's English "database disk image is malformed" and a stack, exit 1 ("a case failed").
  it('given the damage met while it reads the log, then one Chinese line (restore from backup), exit 2 (the data cannot be read), no stack', async () => {
    const dir = join(root, 'torn-replay');
    expect((await runScript('demo.ts', ['--cases', '2', '--quiet'], { WORKFLOW_DATA_DIR: dir })).status).toBe(0);
    const damaged = pathToFileURL(join(import.meta.dirname, 'fixtures/sqliteCorruptAtRead.mjs')).href;
    // The read of every position, after the cases are verified (SqliteEventStore.positionsMissing).
    const run = await runScript('replay.ts', ['--all', '--quiet'], { WORKFLOW_DATA_DIR: dir, NODE_OPTIONS: `--import ${damaged}`, SQLITE_CORRUPT_AT: 'count(*) AS rows, max(position) AS last FROM events' });
    expect([run.status, run.stderr]).toEqual([2, `无法读取数据：事件库 ${join(dir, 'events.db')} 不是可读的 SQLite 数据库（已损坏或被替换）：请从备份恢复，或检查 WORKFLOW_DATA_DIR\n`]);
  }, 60_000);
});

describe('WORKFLOW_ORGS naming a file this process may not read', () => {
  it('then one Chinese line saying so, not the system\'s English EACCES', async () => {
    const orgs = join(root, 'unreadable-orgs.json');
    writeFileSync(orgs, '[]');
    chmodSync(orgs, 0o000);
    chmodSync(root, 0o755);
    // As nobody when these tests run as root (root may read anything); npm start reads it before the data folder.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const run = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', WORKFLOW_ORGS: orgs, WORKFLOW_DATA_DIR: join(root, 'no-data'), WORKFLOW_JWT_SECRET: 'a'.repeat(32), PORT: '0' },
      ...asNobody,
    });
    expect([run.status, run.stderr]).toEqual([1, `服务未启动：WORKFLOW_ORGS 指向的机构目录文件 ${orgs} 无法读取：本服务的用户没有读取权限\n`]);
  });
});

describe('npm run backup, replay and rebuild by a user who may not read the store', () => {
  // Run as nobody when these tests run as root (root may read anything).
  it.skipIf(process.getuid?.() !== 0)('given a target folder it may write, then the line names the store it could not read, not the target folder; replay and rebuild say the same (replay, which only reads, said the folder was not writable)', async () => {
    const data = join(root, 'unreadable-store');
    const target = join(root, 'backups-of-nobody');
    for (const dir of [data, target]) mkdirSync(dir);
    await new SqliteEventStore({ path: join(data, 'events.db'), now: systemClock.now }).close();
    chmodSync(join(data, 'events.db'), 0o600);
    for (const dir of [data, target]) chownSync(dir, 65534, 65534);
    chmodSync(root, 0o755);
    const run = await spawnText(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', join(target, 'x.db')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', WORKFLOW_DATA_DIR: data },
      uid: 65534,
      gid: 65534,
    });
    const said = `无法读取事件库 ${join(data, 'events.db')}：请以运行服务的用户执行，或检查其权限。\n`;
    expect([run.status, run.stderr]).toEqual([1, said]);
    expect(readdirSync(target)).toEqual([]);
    for (const [script, args] of [['replay.ts', ['--all']], ['rebuild.ts', []]] as const) {
      const other = await spawnText(process.execPath, ['--import', 'tsx', join('scripts', script), ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: '/tmp', WORKFLOW_DATA_DIR: data },
        uid: 65534,
        gid: 65534,
      });
      expect([script, other.status, other.stderr]).toEqual([script, 1, said]);
    }
  });
});

describe('a store file this user may read but not write, in a folder it may', () => {
  // Operators' QA: events.db copied in by root (0644) into a service user's folder; npm start said
  // 数据目录 … 不可写, a folder whose permissions were right. Run as nobody when these tests run as root.
  it.skipIf(process.getuid?.() !== 0)('when npm start or npm run rebuild runs, then the line names the file, not the folder, exit 1', async () => {
    const data = join(root, 'store-of-root');
    mkdirSync(data);
    await new SqliteEventStore({ path: join(data, 'events.db'), now: systemClock.now }).close();
    chmodSync(join(data, 'events.db'), 0o644);
    chownSync(data, 65534, 65534);
    chmodSync(root, 0o755);
    const said = `事件库文件 ${join(data, 'events.db')} 不可写（数据目录可写，该文件只读或属于其他用户）：请以运行服务的用户执行，或检查该文件的权限与属主`;
    const run = (script: string) =>
      spawnText(process.execPath, ['--import', 'tsx', join('scripts', script)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: '/tmp', WORKFLOW_DATA_DIR: data, PORT: '0' },
        uid: 65534,
        gid: 65534,
      });
    const start = await run('start.ts');
    expect([start.status, start.stderr]).toEqual([1, `服务未启动：${said}\n`]);
    const rebuild = await run('rebuild.ts');
    expect(rebuild.status).toBe(1);
    // Refused as the read models open: nothing was reset, so no server has a rebuild to take over.
    expect(rebuild.stderr).toBe(`读模型重建未完成：${said}。尚未开始重建，读模型 inbox、sla、cases、audit 未改动；排除后请再次运行 npm run rebuild\n`);
  }, 60_000);

  it.skipIf(process.getuid?.() !== 0)('given read models a server already made there, when npm run rebuild runs, then it is refused at its reset and says nothing was changed, not that a server will take it over (QA of the fix above)', async () => {
    const data = join(root, 'store-with-read-models');
    mkdirSync(data);
    const store = new SqliteEventStore({ path: join(data, 'events.db'), now: systemClock.now });
    await store.appendToStream('objection-1', [{ id: randomUUID(), type: 'Happened', data: {}, metadata: {} }]);
    await store.close();
    // As root: the read models made and caught up, as a server leaves them.
    const made = await spawnText(process.execPath, ['--import', 'tsx', join('scripts', 'rebuild.ts')], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: '/tmp', WORKFLOW_DATA_DIR: data } });
    expect(made.status, made.stderr).toBe(0);
    const before = readFileSync(join(data, 'events.db'));
    chmodSync(join(data, 'events.db'), 0o644);
    chownSync(data, 65534, 65534);
    chmodSync(root, 0o755);
    const rebuild = await spawnText(process.execPath, ['--import', 'tsx', join('scripts', 'rebuild.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: '/tmp', WORKFLOW_DATA_DIR: data },
      uid: 65534,
      gid: 65534,
    });
    const said = `事件库文件 ${join(data, 'events.db')} 不可写（数据目录可写，该文件只读或属于其他用户）：请以运行服务的用户执行，或检查该文件的权限与属主`;
    expect([rebuild.status, rebuild.stderr]).toEqual([1, `读模型重建未完成：${said}。尚未开始重建，读模型 inbox、sla、cases、audit 未改动；排除后请再次运行 npm run rebuild\n`]);
    expect(readFileSync(join(data, 'events.db')).equals(before)).toBe(true);
  }, 60_000);
});

describe('a path typed relative to the folder `npm run …` was typed in (npm runs every script in the project’s folder, and says where it was typed in INIT_CWD)', () => {
  let typedIn: string;
  beforeAll(() => {
    typedIn = mkdtempSync(join(tmpdir(), 'typed-in-'));
    writeFileSync(join(typedIn, 'export.ndjson'), '');
  });
  afterAll(() => rmSync(typedIn, { recursive: true, force: true }));

  it('given npm run verify-export -- export.ndjson typed next to the file, then it checks that file, not “找不到文件”', async () => {
    const run = await runScript('verifyExport.ts', ['export.ndjson'], { INIT_CWD: typedIn });
    expect(run.stderr + run.stdout).not.toContain('找不到文件');
    expect(run.stdout + run.stderr).toContain('文件中没有任何事件');
  });

  it('given npm run backup -- b.db typed in another folder, then the backup is written there, not in the project’s folder', async () => {
    const data = join(typedIn, 'data');
    mkdirSync(data);
    const store = new SqliteEventStore({ path: join(data, 'events.db'), now: systemClock.now });
    await store.appendToStream('calendar-notices', [{ id: '00000000-0000-4000-8000-000000000001', type: 'Happened', data: {}, metadata: {} }]);
    await store.close();
    const name = `typed-in-${process.pid}.db`;
    try {
      const run = await runScript('backup.ts', [name], { INIT_CWD: typedIn, WORKFLOW_DATA_DIR: data });
      expect(run.status).toBe(0);
      expect(existsSync(join(typedIn, name))).toBe(true);
      expect(existsSync(join(ROOT, name))).toBe(false);
    } finally {
      rmSync(join(ROOT, name), { force: true });
    }
  });
});
