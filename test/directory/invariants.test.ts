/**
 * What a directory must hold to start (reform QA): codes that name one unit each, however typed; units
 * of 山东省 alone; and the province's own 主管部门 (第六条), whose role admin is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Directory, providersWithoutAuthority, type Org } from '../../directory/index.js';
import { checkDirectory } from '../../scripts/startupError.js';

const province: Org = { code: '370000-dsj', name: '山东省大数据局', kind: 'authority', level: 'province', region: '370000' };
const jinan: Org = { code: '370100-dsj', name: '济南市大数据局', kind: 'authority', level: 'city', region: '370100' };
const gaj: Org = { code: '370100-gaj', name: '济南市公安局', kind: 'provider', level: 'city', region: '370100' };

describe('a directory', () => {
  it('given two codes that differ in letter case alone, then it is refused naming both', () => {
    expect(() => new Directory([province, gaj, { ...gaj, code: '370100-GAJ', name: '济南市公安局（副本）' }])).toThrow('机构目录中机构代码 370100-gaj 与 370100-GAJ 仅大小写不同：请只保留一个');
  });

  it('given a unit outside 山东省, then it is refused naming it', () => {
    expect(() => new Directory([province, { ...gaj, code: '110000-x', name: '北京某局', level: 'province', region: '110000' }])).toThrow(
      '机构目录中机构 110000-x（北京某局）的行政区划 110000 不在山东省（370000）之内',
    );
  });

  it('given a code with a space around it, then the file is refused naming the entry', () => {
    expect(() => Directory.fromJson([province, { ...gaj, code: '370100-gaj ' }])).toThrow('不能以空白开头或结尾');
  });
});

describe('checkDirectory (npm start, rebuild, replay)', () => {
  const root = mkdtempSync(join(tmpdir(), 'directory-invariants-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const check = (name: string, orgs: unknown[]) => {
    const file = join(root, name);
    writeFileSync(file, JSON.stringify(orgs));
    try {
      checkDirectory(file);
      return { file, said: undefined };
    } catch (err) {
      return { file, said: (err as Error).message };
    }
  };

  it('given the shipped directory without the provincial bureau, then the start is refused naming it (第六条), not started with admins locked out', () => {
    const { file, said } = check('no-province.json', Directory.load().list().filter((o) => o.code !== '370000-dsj'));
    expect(said).toBe(
      `WORKFLOW_ORGS 指向的机构目录 ${file} 中没有省公共数据开放主管部门（行政区划 370000、kind 为 authority 的机构，第六条）：管理员、省级监督和审计人员将无法使用，省级审核无人办理，请检查文件`,
    );
  });

  it('given the provincial bureau re-coded (its old entry kept with its successor), then it starts', () => {
    const recoded = { ...province, code: '370000-sjj' };
    expect(check('recoded.json', [{ ...province, successor: recoded.code }, recoded, jinan, gaj]).said).toBeUndefined();
  });

  it('given a code with a trailing space, then the entry is named', () => {
    const { file, said } = check('space.json', [province, jinan, { ...gaj, code: '370100-gaj ' }]);
    expect(said).toBe(`WORKFLOW_ORGS 指向的机构目录 ${file} 格式有误（每项应有 code、name、kind、level、region）：第 3 项 code：不能以空白开头或结尾`);
  });
});

describe('providersWithoutAuthority (第六条)', () => {
  it('given the shipped directory, then none; without 淄博市大数据局, then 淄博’s providers, by region; a county provider in a county with no bureau, too', () => {
    const shipped = Directory.load().list();
    expect(providersWithoutAuthority(new Directory(shipped))).toEqual([]);
    const zibo = shipped.filter((o) => o.kind === 'provider' && o.region === '370300' && o.successor === undefined).map((o) => o.code);
    const zhangqiu: Org = { code: '370181-scjgj', name: '济南市章丘区市场监督管理局', kind: 'provider', level: 'county', region: '370181' };
    const gaps = new Directory([...shipped.filter((o) => o.code !== '370300-dsj'), zhangqiu]);
    expect(providersWithoutAuthority(gaps)).toEqual([
      { region: '370181', providers: ['370181-scjgj'] },
      { region: '370300', providers: zibo },
    ]);
  });
});
