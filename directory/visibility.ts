import { PROVINCE_REGION, type Directory } from './directory.js';
import type { CaseParties } from './jurisdiction.js';

/** Who asks: the token's role and organisation. */
export interface Viewer {
  role: string;
  org: string;
}

/**
 * The region a case belongs to for visibility and reports: the region it is addressed to, else
 * its provider's region.
 */
export function caseRegion(directory: Directory, parties: CaseParties): string | undefined {
  return parties.region ?? (parties.providerOrg ? directory.get(parties.providerOrg)?.region : undefined);
}

/**
 * API.md "Identity": an applicant sees only its own cases; a provider, cases that name its
 * organisation (or one whose duties it took over, `successor`); an authority, cases in its jurisdiction (its region and the regions below);
 * supervisors and auditors, their region and the regions below it; an admin, everything. A case is
 * in a region when it is addressed there (else its provider is there), and also when its provider
 * is there: a request the province forwarded to a provider of another city is that city's to
 * supervise (第十九条), and its reports count the provider's stage on it. 机构改革: a region whose
 * 主管部门 was abolished into another region's (a city merged into another) is also in that region.
 */
export function canSee(directory: Directory, viewer: Viewer, parties: CaseParties): boolean {
  switch (viewer.role) {
    case 'admin':
      return true;
    case 'applicant':
      return parties.applicantOrg === viewer.org;
    case 'provider':
      // 机构改革: the provider that took over an abolished one's duties sees the cases that name it.
      return parties.providerOrg !== undefined && directory.successorOf(parties.providerOrg) === viewer.org;
    case 'authority':
    case 'supervisor':
    case 'auditor': {
      const own = directory.get(viewer.org)?.region;
      if (own === undefined) return false;
      // The province's: every case this system holds is 山东省's, also one whose provider the directory
      // lost (dropped outright, its region unknown): a province-wide audit export left out 23 events of
      // 9 such cases, and the province's reports their late stages, without a word (reform QA).
      if (own === PROVINCE_REGION) return true;
      const region = caseRegion(directory, parties);
      // 机构改革: a region (or city) taken over by another is in that one's too (containsNow).
      if (region !== undefined && directory.containsNow(own, region)) return true;
      // 机构改革: the provider's region as stored, and that of the one that took over its duties (a county re-coded into another city).
      return parties.providerOrg !== undefined && directory.worksWithin(own, parties.providerOrg);
    }
    default:
      return false;
  }
}

/**
 * Whether `viewer` may see every case of the province (an admin, the provincial bureau's roles): who is shown what
 * no read model places in a region — a case the case list has no row of, an export line of no known case.
 */
export function seesEveryCase(directory: Directory, viewer: Viewer): boolean {
  return canSee(directory, viewer, { region: PROVINCE_REGION });
}
