/** 机构改革 in the directory: an abolished, renamed or merged organisation keeps its entry and names its `successor`. */
import { describe, expect, it } from 'vitest';
import { canSee, Directory, organisationsFor, type Org } from '../../directory/index.js';

const jinan: Org = { code: '370100-dsj', name: '济南市大数据局', kind: 'authority', level: 'city', region: '370100' };
const gaj: Org = { code: '370100-gaj', name: '济南市公安局', kind: 'provider', level: 'city', region: '370100' };
const zhzf: Org = { code: '370100-zhzfj', name: '济南市综合执法局', kind: 'provider', level: 'city', region: '370100' };

describe('given a directory in which organisations were merged, renamed or re-coded', () => {
  it('when a chain of successors is read, then each old code leads to the organisation that does its work now, which knows them all', () => {
    const renamed: Org = { ...zhzf, code: '370100-zhzfj-2030', name: '济南市综合行政执法局' };
    const directory = new Directory([jinan, { ...gaj, successor: zhzf.code }, { ...zhzf, successor: renamed.code }, renamed]);
    expect(directory.successorOf('370100-gaj')).toBe(renamed.code);
    expect(directory.successorOf(renamed.code)).toBe(renamed.code);
    expect(directory.successorOf('unknown')).toBe('unknown');
    expect([...directory.predecessorsOf(renamed.code)].sort()).toEqual(['370100-gaj', zhzf.code]);
    expect(directory.nameOf('370100-gaj')).toBe('济南市公安局（已撤销）');
    expect(directory.nameOf(renamed.code)).toBe('济南市综合行政执法局');
    // Its region stays known: the cases that name it stay in Jinan.
    expect(directory.get('370100-gaj')?.region).toBe('370100');
  });

  it('when a city\'s 大数据局 is re-coded, then the old entry is no second authority of the region, and the new one is its 主管部门 (第六条)', () => {
    const sjj: Org = { ...jinan, code: '370100-sjj', name: '济南市数据局' };
    const directory = new Directory([{ ...jinan, successor: sjj.code }, sjj, gaj]);
    expect(directory.authorityOf('370100')?.code).toBe(sjj.code);
    expect(organisationsFor(directory, 'competentAuthority', { providerOrg: gaj.code })).toEqual([sjj.code]);
  });

  it('when a case names a merged provider, then the successor acts for it and sees it, and the region\'s supervisors still see it', () => {
    const directory = new Directory([jinan, { ...gaj, successor: zhzf.code }, zhzf]);
    const parties = { providerOrg: gaj.code };
    expect(organisationsFor(directory, 'provider', parties)).toEqual([zhzf.code]);
    expect(organisationsFor(directory, 'competentAuthority', parties)).toEqual([jinan.code]);
    expect(canSee(directory, { role: 'provider', org: zhzf.code }, parties)).toBe(true);
    expect(canSee(directory, { role: 'supervisor', org: jinan.code }, parties)).toBe(true);
  });

  it('when a city is merged into another (莱芜市 371200 into 济南市 370100), then its region and counties are the other city\'s: 市级以上, 本级 and visibility follow (第十五条, 第六条)', () => {
    const laiwu: Org = { code: '371200-dsj', name: '莱芜市大数据局', kind: 'authority', level: 'city', region: '371200', successor: jinan.code };
    const laiwuGaj: Org = { code: '371200-gaj', name: '莱芜市公安局', kind: 'provider', level: 'city', region: '371200' };
    const province: Org = { code: '370000-dsj', name: '山东省大数据局', kind: 'authority', level: 'province', region: '370000' };
    const qingdao: Org = { code: '370200-dsj', name: '青岛市大数据局', kind: 'authority', level: 'city', region: '370200' };
    const directory = new Directory([jinan, province, qingdao, laiwu, laiwuGaj]);
    expect(directory.regionTakenOver('371200')).toEqual({ abolished: laiwu, successor: jinan });
    expect([directory.regionNow('371200'), directory.regionNow('370100'), directory.regionNow('370200')]).toEqual(['370100', '370100', '370200']);
    expect(organisationsFor(directory, 'cityOrAbove', { region: '371200' })).toEqual([jinan.code, province.code]);
    expect(organisationsFor(directory, 'cityOrAbove', { providerOrg: laiwuGaj.code })).toEqual([jinan.code, province.code]);
    expect(organisationsFor(directory, 'competentAuthority', { providerOrg: laiwuGaj.code })).toEqual([jinan.code]);
    for (const role of ['authority', 'supervisor', 'auditor']) {
      expect(canSee(directory, { role, org: jinan.code }, { region: '371200' })).toBe(true);
      expect(canSee(directory, { role, org: jinan.code }, { region: '371203' })).toBe(true);
      expect(canSee(directory, { role, org: qingdao.code }, { region: '371200' })).toBe(false);
    }
    // A bureau re-coded in its own region takes over no region.
    const sjj: Org = { ...jinan, code: '370100-sjj', name: '济南市数据局' };
    expect(new Directory([{ ...jinan, successor: sjj.code }, sjj]).regionTakenOver('370100')).toBeUndefined();
  });

  it('when a county\'s 大数据局 is abolished into its city\'s, then the city\'s acts as 本级 for the county\'s providers (its work falls to the successor), and a county with its own bureau keeps it (第六条, 第九条(二))', () => {
    const lixia: Org = { code: '370102-dsj', name: '济南市历下区大数据局', kind: 'authority', level: 'county', region: '370102', successor: jinan.code };
    const lixiaProvider: Org = { code: '370102-jyj', name: '济南市历下区教育局', kind: 'provider', level: 'county', region: '370102' };
    const shizhong: Org = { code: '370103-dsj', name: '济南市市中区大数据局', kind: 'authority', level: 'county', region: '370103' };
    const shizhongProvider: Org = { code: '370103-jyj', name: '济南市市中区教育局', kind: 'provider', level: 'county', region: '370103' };
    const directory = new Directory([jinan, gaj, lixia, lixiaProvider, shizhong, shizhongProvider]);
    expect(organisationsFor(directory, 'competentAuthority', { providerOrg: lixiaProvider.code })).toEqual([jinan.code]);
    expect(organisationsFor(directory, 'competentAuthority', { providerOrg: shizhongProvider.code })).toEqual([shizhong.code]);
    expect(organisationsFor(directory, 'competentAuthority', { providerOrg: gaj.code })).toEqual([jinan.code]);
    expect(canSee(directory, { role: 'authority', org: jinan.code }, { providerOrg: lixiaProvider.code })).toBe(true);
  });

  it('when a successor is missing, of another kind, or the successors go round, then the directory is refused, saying which', () => {
    expect(() => new Directory([jinan, { ...gaj, successor: 'nowhere' }])).toThrow('机构目录中机构 370100-gaj（济南市公安局）的承接机构 nowhere 不在目录中');
    expect(() => new Directory([jinan, { ...gaj, successor: jinan.code }])).toThrow('类别不同');
    expect(() => new Directory([jinan, { ...gaj, successor: zhzf.code }, { ...zhzf, successor: gaj.code }])).toThrow('机构目录中机构的承接关系成环');
    expect(() => new Directory([jinan, { ...gaj, successor: gaj.code }])).toThrow('成环');
  });

  // Reform QA: the province's bureau merged by mistake into a city's (or a city's into its own county's)
  // started, handing the province's tasks on for good and locking out its admins, supervisors and auditors.
  it('when an authority’s successor is of a lower level, then the directory is refused, saying which; a county’s bureau merged into its city’s is taken', () => {
    const province: Org = { code: '370000-dsj', name: '山东省大数据局', kind: 'authority', level: 'province', region: '370000' };
    const lixia: Org = { code: '370102-dsj', name: '济南市历下区大数据局', kind: 'authority', level: 'county', region: '370102' };
    expect(() => new Directory([{ ...province, successor: jinan.code }, jinan])).toThrow(
      '机构目录中主管部门 370000-dsj（山东省大数据局）的承接机构 370100-dsj（济南市大数据局）级别较低：province 级主管部门的职责不能由 city 级承接',
    );
    expect(() => new Directory([province, { ...jinan, successor: lixia.code }, lixia])).toThrow('级别较低：city 级主管部门的职责不能由 county 级承接');
    expect(new Directory([province, jinan, { ...lixia, successor: jinan.code }]).successorOf(lixia.code)).toBe(jinan.code);
  });
});
