import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readJsonFile } from '../infra/config.js';

/** An organisation of the directory (shared/spec/API.md "Identity"): level and region never come from a token. */
export const OrgSchema = z.strictObject({
  // A code with a space around it is another code to every token and form that names the unit (reform QA).
  code: z.string().min(1).regex(/^\S(?:.*\S)?$/, '不能以空白开头或结尾'),
  name: z.string().min(1),
  kind: z.enum(['authority', 'provider']),
  level: z.enum(['province', 'city', 'county']),
  region: z.string().regex(/^\d{6}$/, 'a 6-digit administrative division code'),
  /**
   * 机构改革: this organisation was abolished, renamed or merged, and its duties passed to the one of
   * this code. Its entry stays, so that the cases stored naming it keep their region (visibility,
   * reports) and its name; its work falls to the successor. No token may name it.
   */
  successor: z.string().min(1).optional(),
});
export type Org = z.infer<typeof OrgSchema>;
export type Level = Org['level'];

export const PROVINCE_REGION = '370000';

/** Levels from the lowest: a successor authority may not be of a lower one. */
const LEVEL_RANK: Record<Level, number> = { county: 0, city: 1, province: 2 };

/** The region of the city that contains `region` (a province's own code stays as it is). */
export function cityOf(region: string): string {
  return region.endsWith('0000') ? region : `${region.slice(0, 4)}00`;
}

/** What the code of every region `outer` contains starts with: a province's 2 digits, a city's 4; a county contains none but itself. */
export function regionPrefix(outer: string): string | undefined {
  if (outer.endsWith('0000')) return outer.slice(0, 2);
  if (outer.endsWith('00')) return outer.slice(0, 4);
  return undefined;
}

/** Whether `outer` is `inner` or contains it (a province its cities, a city its counties). */
export function regionContains(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  const prefix = regionPrefix(outer);
  return prefix !== undefined && inner.startsWith(prefix);
}

export function levelOf(region: string): Level {
  if (region.endsWith('0000')) return 'province';
  if (region.endsWith('00')) return 'city';
  return 'county';
}

export class Directory {
  readonly #byCode = new Map<string, Org>();
  readonly #authorityByRegion = new Map<string, Org>();

  readonly #predecessors = new Map<string, string[]>();

  /** 机构改革: a region whose authority was abolished into another region's (a city merged into another), and who took it over. */
  readonly #regionTakenOver = new Map<string, { abolished: Org; successor: Org }>();

  constructor(orgs: readonly Org[]) {
    const byLowerCase = new Map<string, string>();
    for (const org of orgs) {
      if (this.#byCode.has(org.code)) throw new Error(`机构目录中机构代码重复：${org.code}`);
      // A code typed in another letter case is read as the directory's (`spelling`): two that differ in
      // case alone leave it ambiguous which one a token or a form means (reform QA).
      const twin = byLowerCase.get(org.code.toLowerCase());
      if (twin !== undefined) throw new Error(`机构目录中机构代码 ${twin} 与 ${org.code} 仅大小写不同：请只保留一个`);
      byLowerCase.set(org.code.toLowerCase(), org.code);
      // 山东省: the province's supervisors see every region of the province (37xxxx); a unit elsewhere
      // would be nobody's to supervise (reform QA: a 110000 unit started without a word).
      if (!regionContains(PROVINCE_REGION, org.region)) {
        throw new Error(`机构目录中机构 ${org.code}（${org.name}）的行政区划 ${org.region} 不在山东省（${PROVINCE_REGION}）之内`);
      }
      // A level its region contradicts: the 本级 authority found by level and region would be another,
      // and the organisation's own tasks would sit in its inbox with nothing it may send.
      const level = levelOf(org.region);
      if (org.level !== level) {
        throw new Error(`机构目录中机构 ${org.code}（${org.name}）的级别 ${org.level} 与其行政区划 ${org.region} 不符：该区划为 ${level} 级`);
      }
      this.#byCode.set(org.code, org);
      // An abolished authority is no longer its region's: its successor (or the region's new one) is.
      if (org.kind !== 'authority' || org.successor !== undefined) continue;
      // 第六条: one 公共数据开放主管部门 for a region; a second silently took the first one's power to act.
      const other = this.#authorityByRegion.get(org.region);
      if (other) throw new Error(`机构目录中行政区划 ${org.region} 有两个公共数据开放主管部门：${other.code} 与 ${org.code}`);
      this.#authorityByRegion.set(org.region, org);
    }
    for (const org of this.#byCode.values()) {
      if (org.successor === undefined) continue;
      // 机构改革: the duties pass to an organisation of the directory of the same kind — a provider's
      // data to a provider (第四条), an authority's review to an authority (第六条) — or they pass to no one.
      const next = this.#byCode.get(org.successor);
      if (!next) throw new Error(`机构目录中机构 ${org.code}（${org.name}）的承接机构 ${org.successor} 不在目录中`);
      if (next.kind !== org.kind) throw new Error(`机构目录中机构 ${org.code}（${org.name}）的承接机构 ${next.code}（${next.name}）类别不同：${org.kind} 的职责不能由 ${next.kind} 承接`);
      // 第六条: a 主管部门 answers for its own level and the levels below it — none below can take its duties
      // (reform QA: the province's bureau merged by mistake into 济南's started, handing on 35 of its tasks
      // for good and locking out every admin, supervisor and auditor of the province).
      if (org.kind === 'authority' && LEVEL_RANK[next.level] < LEVEL_RANK[org.level]) {
        throw new Error(`机构目录中主管部门 ${org.code}（${org.name}）的承接机构 ${next.code}（${next.name}）级别较低：${org.level} 级主管部门的职责不能由 ${next.level} 级承接`);
      }
      const current = this.successorOf(org.code);
      const list = this.#predecessors.get(current) ?? [];
      list.push(org.code);
      this.#predecessors.set(current, list);
    }
    // 机构改革 (a city merged into another: 莱芜市 371200 into 济南市 370100 in 2019): the directory has no
    // regions of its own, so a region is taken over when its authority was abolished, it has no new one,
    // and the authority that took over its duties is another region's.
    for (const org of this.#byCode.values()) {
      if (org.kind !== 'authority' || org.successor === undefined || this.#authorityByRegion.has(org.region)) continue;
      const successor = this.#byCode.get(this.successorOf(org.code))!;
      if (successor.region === org.region) continue;
      const other = this.#regionTakenOver.get(org.region);
      if (other && other.successor.region !== successor.region) {
        throw new Error(`机构目录中行政区划 ${org.region} 的公共数据开放主管部门 ${other.abolished.code} 与 ${org.code} 已撤销，其职责分由不同行政区划的 ${other.successor.code} 与 ${successor.code} 承接`);
      }
      this.#regionTakenOver.set(org.region, { abolished: org, successor });
    }
  }

  static fromJson(json: unknown): Directory {
    return new Directory(z.array(OrgSchema).parse(json));
  }

  /** The directory at `path`, or the shipped Shandong directory. */
  static load(path?: string): Directory {
    const file = path ?? fileURLToPath(new URL('./data/shandong.json', import.meta.url));
    return Directory.fromJson(readJsonFile(file));
  }

  get(code: string): Org | undefined {
    return this.#byCode.get(code);
  }

  /**
   * `code` as the directory spells it, when it differs in letter case alone (`370100-GAJ` typed for
   * 370100-gaj); `code` itself otherwise. A filter by the other spelling matched nothing, and a report
   * said "nothing overdue" instead of naming the unit's late tasks.
   */
  spelling(code: string): string {
    if (this.#byCode.has(code)) return code;
    this.#byLowerCase ??= new Map([...this.#byCode.keys()].map((c) => [c.toLowerCase(), c]));
    return this.#byLowerCase.get(code.toLowerCase()) ?? code;
  }

  #byLowerCase: Map<string, string> | undefined;

  /**
   * The name to show for an organisation code: an abolished one's marked 已撤销 (a report or inbox
   * naming it is not read as a bureau that still exists); the code itself when unknown (an applicant,
   * or an organisation dropped from the directory).
   */
  nameOf(code: string): string {
    const org = this.#byCode.get(code);
    if (!org) return code;
    return org.successor === undefined ? org.name : `${org.name}（已撤销）`;
  }

  /**
   * The name to show for the organisation a task is held by, to those who work it or wait on it (a case's
   * tasks, an inbox item): an abolished one's with who does its work now,
   * `济南市公安局（已撤销，由济南市综合执法局承接）` — its task's `orgs` name the successor by code, and an
   * applicant has no directory to look a code up in (reform QA: told only that an abolished unit must act).
   * Otherwise as `nameOf`.
   */
  nameActing(code: string): string {
    const org = this.#byCode.get(code);
    if (org?.successor === undefined) return this.nameOf(code);
    return `${org.name}（已撤销，由${this.#byCode.get(this.successorOf(code))!.name}承接）`;
  }

  /**
   * The organisations that may act on a task opened for `orgs` (its stored `orgs`): each, or for one
   * abolished, renamed or merged (机构改革), the end of its chain of successors, once each, in order. A
   * task the successor inherits (it may act, the abolished code may not) listed the abolished code alone.
   */
  actingFor(orgs: readonly string[]): string[] {
    return [...new Set(orgs.map((org) => this.successorOf(org)))];
  }

  /**
   * The organisation that does `code`'s work now: `code` itself, or, for one abolished, renamed or
   * merged (机构改革), the end of its chain of successors; a code the directory lacks stays as it is.
   */
  successorOf(code: string): string {
    const seen = new Set<string>();
    let at = code;
    for (let org = this.#byCode.get(at); org?.successor !== undefined; org = this.#byCode.get(at)) {
      seen.add(at);
      if (seen.has(org.successor)) throw new Error(`机构目录中机构的承接关系成环：${[...seen, org.successor].join(' → ')}`);
      at = org.successor;
    }
    return at;
  }

  /**
   * For an organisation abolished, renamed or merged (机构改革), who took over its duties, in words:
   * `X（code）已撤销，其职责由Y（code）承接`; undefined for one that was not.
   */
  abolished(code: string): { zh: string; en: string } | undefined {
    const org = this.#byCode.get(code);
    if (org?.successor === undefined) return undefined;
    // The constructor refused a successor the directory lacks.
    const next = this.#byCode.get(this.successorOf(code))!;
    return {
      zh: `${org.name}（${org.code}）已撤销，其职责由${next.name}（${next.code}）承接`,
      en: `${org.name} (${org.code}) was abolished; its duties passed to ${next.name} (${next.code})`,
    };
  }

  /** The abolished organisations whose work `code` does now (through any chain of successors). */
  predecessorsOf(code: string): readonly string[] {
    return this.#predecessors.get(code) ?? [];
  }

  list(): Org[] {
    return [...this.#byCode.values()];
  }

  /**
   * 机构改革: for a region whose 主管部门 was abolished into another region's (a city merged into
   * another), the abolished authority and the one that took over its duties; undefined for any other.
   */
  regionTakenOver(region: string): { abolished: Org; successor: Org } | undefined {
    return this.#regionTakenOver.get(region);
  }

  /** The region that does `region`'s work now: the one that took it over (`regionTakenOver`), else `region` itself. */
  regionNow(region: string): string {
    return this.#regionTakenOver.get(region)?.successor.region ?? region;
  }

  /**
   * `regionContains`, with the regions taken over (机构改革): `outer` also contains a region it took
   * over, or one within a city it took over (a county of 莱芜市 is 济南市's).
   */
  containsNow(outer: string, inner: string): boolean {
    // Only regions taken over add to regionContains: without a merger it is regionContains exactly (reports' SQL restates it).
    const now = [inner, cityOf(inner)].filter((r) => this.#regionTakenOver.has(r)).map((r) => this.regionNow(r));
    return [inner, ...now].some((region) => regionContains(outer, region));
  }

  /**
   * Whether the organisation `code` works within `outer` (`containsNow`): by its own region, or by that of
   * the one that took over its duties (机构改革: a county re-coded into another city). Unknown: no.
   */
  worksWithin(outer: string, code: string): boolean {
    return [code, this.successorOf(code)].some((c) => {
      const region = this.get(c)?.region;
      return region !== undefined && this.containsNow(outer, region);
    });
  }

  /** The big-data bureau whose region is exactly `region`. */
  authorityOf(region: string): Org | undefined {
    return this.#authorityByRegion.get(region);
  }
}
