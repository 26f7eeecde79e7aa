import { cityOf, PROVINCE_REGION, type Directory } from './directory.js';

/**
 * How the organisation that works a task is found (shared/spec/FORMS.md "Who is the competent
 * authority"). Machines name a scope; only this file knows what it means.
 */
export type Scope =
  /** The case's provider organisation (its successor, when the directory says it was abolished). */
  | 'provider'
  /** 本级: the authority whose level and region equal the provider's (第九条(二), 第十四条(二)). */
  | 'competentAuthority'
  /** 市级以上: the authority of the case's region's city, or the provincial authority (第八条, 第十五条). */
  | 'cityOrAbove'
  /** The applicant who started the case. */
  | 'applicant'
  /** The engine itself (timers). */
  | 'system';

/** The facts of a case that jurisdiction is decided on; each process's machine says how to read them from its context. */
export interface CaseParties {
  providerOrg?: string;
  applicantOrg?: string;
  /** The region a 市级以上 rule counts from (an unopened-data request's addressed region, or the provider's). */
  region?: string;
}

/**
 * The organisations that act for `scope` on a case: the first is the one a task is assigned to,
 * the rest may also act (the provincial authority on any city's 市级以上 case).
 */
export function organisationsFor(directory: Directory, scope: Scope, parties: CaseParties): string[] {
  switch (scope) {
    case 'provider':
      // 机构改革: a provider abolished or merged while its case was open is succeeded by the one that took over its duties.
      return parties.providerOrg ? [directory.successorOf(parties.providerOrg)] : [];
    case 'applicant':
      return parties.applicantOrg ? [parties.applicantOrg] : [];
    case 'system':
      return [];
    case 'competentAuthority': {
      // 机构改革: the 本级 of the provider that does the work now (a county re-coded, 县改区, has a new bureau).
      const provider = parties.providerOrg ? directory.get(directory.successorOf(parties.providerOrg)) : undefined;
      // 机构改革: a region whose bureau was merged into another region's is that one's (regionNow).
      const authority = provider ? directory.authorityOf(directory.regionNow(provider.region)) : undefined;
      // 本级: of the provider's own level — or the bureau that took over its region's bureau's duties, at
      // whatever level (a county's merged into its city's): its work falls to the successor. Left to the
      // level alone, a county provider's review had no authority at all, and each of its commands was refused.
      const takenOver = provider !== undefined && directory.regionTakenOver(provider.region) !== undefined;
      return authority && (authority.level === provider?.level || takenOver) ? [authority.code] : [];
    }
    case 'cityOrAbove': {
      // 机构改革: counted from the region of the provider that does the work now (a county whose city was merged is the new city's).
      const region = parties.region ?? (parties.providerOrg ? directory.get(directory.successorOf(parties.providerOrg))?.region : undefined);
      if (!region) return [];
      // 机构改革: a city merged into another (莱芜市 371200 into 济南市 370100) is the one that took it over (regionNow).
      const codes = [directory.authorityOf(directory.regionNow(cityOf(region)))?.code, directory.authorityOf(PROVINCE_REGION)?.code];
      return [...new Set(codes.filter((c): c is string => c !== undefined))];
    }
  }
}

/**
 * Whether an open task is open to organisations other than `now`, those the directory names for it
 * (organisationsFor): its holder and the others it is open to, each counted as its successor (an
 * abolished organisation acts through it). After 机构改革 such a task is handed on (engine
 * `reassignTasks`); the read models count the same tasks (ReadModels `casesWithTasksToHandOn`).
 */
export function assignedElsewhere(directory: Directory, task: { org: string; orgs: readonly string[] }, now: readonly string[]): boolean {
  const held = new Set([task.org, ...task.orgs].map((code) => directory.successorOf(code)));
  return held.size !== now.length || now.some((code) => !held.has(code));
}

/** Whether an organisation may act for `scope` on a case. */
export function mayActFor(directory: Directory, scope: Scope, parties: CaseParties, org: string): boolean {
  return organisationsFor(directory, scope, parties).includes(org);
}

/**
 * The providers (not abolished) whose 本级 主管部门 the directory lacks (第六条), by region: a release
 * they draft cannot be submitted for review, and an application naming them cannot be accepted. The
 * start warns of them (reform QA: a city's bureau left out started without a word, and its providers
 * learnt it one refusal at a time).
 */
export function providersWithoutAuthority(directory: Directory): { region: string; providers: string[] }[] {
  const byRegion = new Map<string, string[]>();
  for (const org of directory.list()) {
    if (org.kind !== 'provider' || org.successor !== undefined) continue;
    if (organisationsFor(directory, 'competentAuthority', { providerOrg: org.code }).length > 0) continue;
    byRegion.set(org.region, [...(byRegion.get(org.region) ?? []), org.code]);
  }
  return [...byRegion].sort(([a], [b]) => (a < b ? -1 : 1)).map(([region, providers]) => ({ region, providers }));
}
