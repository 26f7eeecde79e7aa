import { regionContains, type Directory } from './directory.js';
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
 * organisation; an authority, cases in its jurisdiction (its region and the regions below);
 * supervisors and auditors, their region and the regions below it; an admin, everything.
 */
export function canSee(directory: Directory, viewer: Viewer, parties: CaseParties): boolean {
  switch (viewer.role) {
    case 'admin':
      return true;
    case 'applicant':
      return parties.applicantOrg === viewer.org;
    case 'provider':
      return parties.providerOrg === viewer.org;
    case 'authority':
    case 'supervisor':
    case 'auditor': {
      const own = directory.get(viewer.org)?.region;
      const region = caseRegion(directory, parties);
      return own !== undefined && region !== undefined && regionContains(own, region);
    }
    default:
      return false;
  }
}
