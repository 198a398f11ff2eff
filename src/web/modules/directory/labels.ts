import type { OrgKind } from '../../api';

export const KIND_LABELS: Record<OrgKind, string> = {
  national_hub: 'National hub',
  state_election_office: 'State election office',
  local_election_office: 'Local election office',
  campaign: 'Campaign',
  political_party: 'Political party',
  election_vendor: 'Election-technology vendor',
  private_sector: 'Private-sector partner',
  federal_partner: 'Federal partner',
  law_enforcement: 'Law enforcement',
  intelligence_community: 'Intelligence community',
};
export const KIND_OPTIONS = (Object.keys(KIND_LABELS) as OrgKind[]).map((k) => ({ value: k, label: KIND_LABELS[k] }));
