import { z } from 'zod';

export const ORG_KINDS = [
  'national_hub',
  'state_election_office',
  'local_election_office',
  'campaign',
  'political_party',
  'election_vendor',
  'private_sector',
  'federal_partner',
  'law_enforcement',
  'intelligence_community',
] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export const ORG_KIND_LABELS: Record<OrgKind, string> = {
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

export const Uuid = z.uuid();
export const Fips = z.string().regex(/^[0-9]{2}([0-9]{3})?$/, 'must be a 2-digit state or 5-digit county FIPS code');

export const ContactInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.string().trim().max(200).default(''),
  phone: z.string().trim().max(50).regex(/^[0-9+()\-. x]*$/, 'may hold digits, spaces and + ( ) - . x').default(''),
  email: z.union([z.email(), z.literal('')]).default(''),
  is24x7: z.boolean().default(true),
});
export type ContactInput = z.infer<typeof ContactInput>;

export const OrgCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(ORG_KINDS),
  parentId: Uuid.nullable().default(null),
  jurisdictionFips: Fips.nullable().default(null),
  website: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).nullable().default(null),
  description: z.string().max(5000).default(''),
  contacts: z.array(ContactInput).max(50).default([]),
  communityIds: z.array(Uuid).max(100).default([]),
});
export type OrgCreateBody = z.infer<typeof OrgCreateBody>;

/** PATCH: only the fields sent change (no defaults filled in). */
export const OrgUpdateBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  kind: z.enum(ORG_KINDS).optional(),
  parentId: Uuid.nullable().optional(),
  jurisdictionFips: Fips.nullable().optional(),
  website: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).nullable().optional(),
  description: z.string().max(5000).optional(),
  contacts: z.array(ContactInput).max(50).optional(),
  communityIds: z.array(Uuid).max(100).optional(),
});
export type OrgUpdateBody = z.infer<typeof OrgUpdateBody>;

/** Output: plain strings (formats are checked on the way in, not re-judged on the way out). */
export const Contact = z.object({ id: Uuid, name: z.string(), role: z.string(), phone: z.string(), email: z.string(), is24x7: z.boolean() });

export const OrgSummary = z.object({
  id: Uuid,
  name: z.string(),
  kind: z.enum(ORG_KINDS),
  parentId: Uuid.nullable(),
  parentName: z.string().nullable(),
  jurisdictionFips: z.string().nullable(),
  jurisdictionName: z.string().nullable(),
  memberCount: z.number().int(),
  createdAt: z.iso.datetime(),
});

export const Org = OrgSummary.extend({
  website: z.string().nullable(),
  description: z.string(),
  contacts: z.array(Contact),
  communities: z.array(z.object({ id: Uuid, name: z.string() })),
  children: z.array(z.object({ id: Uuid, name: z.string(), kind: z.enum(ORG_KINDS) })),
  updatedAt: z.iso.datetime(),
});
export type Org = z.infer<typeof Org>;

export const ORG_SORTS = ['name', '-name', 'kind', '-kind', 'createdAt', '-createdAt'] as const;

export const OrgListQuery = z.strictObject({
  q: z.string().max(200).optional(),
  kind: z.enum(ORG_KINDS).optional(),
  parentId: Uuid.optional(),
  state: z.string().regex(/^[0-9]{2}$/, 'must be a 2-digit state FIPS code').optional(),
  communityId: Uuid.optional(),
  sort: z.enum(ORG_SORTS).default('name'),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});
export type OrgListQuery = z.infer<typeof OrgListQuery>;

export const Page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });

export const Community = z.object({
  id: Uuid,
  name: z.string(),
  description: z.string(),
  memberCount: z.number().int(),
});
export const CommunityCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
});
export const CommunityMembersBody = z.strictObject({ orgIds: z.array(Uuid).min(1).max(1000) });

export const Jurisdiction = z.object({
  fips: z.string(),
  kind: z.enum(['state', 'district', 'territory', 'county']),
  name: z.string(),
  stateFips: z.string(),
  stateName: z.string().nullable(),
});
export const JurisdictionListQuery = z.strictObject({
  q: z.string().max(100).optional(),
  state: z.string().regex(/^[0-9]{2}$/, 'must be a 2-digit state FIPS code').optional(),
  kind: z.enum(['state', 'district', 'territory', 'county']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(100),
});

export const ImportRowError = z.object({ row: z.number().int(), field: z.string(), message: z.string() });
export const ImportResult = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  rows: z.number().int(),
  errors: z.array(ImportRowError),
  committed: z.boolean(),
});
export type ImportResult = z.infer<typeof ImportResult>;
