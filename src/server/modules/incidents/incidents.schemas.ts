import { z } from 'zod';
import { TLP_LEVELS } from '../../core/access/tlp.ts';
import { INCIDENT_TYPES } from './playbooks.ts';

/** The fields CISA's incident reporting asks for (NCISS / US-CERT federal incident notification guidelines). */
export const FUNCTIONAL_IMPACTS = [
  'no_impact',
  'no_impact_to_services',
  'minimal_non_critical',
  'minimal_critical',
  'significant_non_critical',
  'denial_non_critical',
  'significant_critical',
  'denial_critical',
] as const;
export const INFORMATION_IMPACTS = [
  'no_impact',
  'suspected_not_identified',
  'privacy_breach',
  'proprietary_breach',
  'destruction_non_critical',
  'critical_systems_breach',
  'core_credential_compromise',
  'destruction_critical',
] as const;
export const RECOVERABILITY = ['regular', 'supplemented', 'extended', 'not_recoverable'] as const;
export const ATTACK_VECTORS = [
  'unknown',
  'attrition',
  'web',
  'email_phishing',
  'removable_media',
  'impersonation_spoofing',
  'improper_usage',
  'loss_theft_equipment',
  'physical',
  'other',
] as const;
export const OBSERVED_ACTIVITY = ['none', 'prepare', 'engage', 'presence', 'effect'] as const;
/** Election context. */
export const ELECTION_SYSTEMS = [
  'voter_registration',
  'e_pollbooks',
  'election_night_reporting',
  'ballot_marking_devices',
  'tabulators',
  'email',
  'social_media',
  'physical',
  'other',
] as const;
export const ELECTION_PHASES = ['pre_election', 'early_voting', 'election_day', 'canvass_certification'] as const;

export const STATUSES = ['draft', 'new', 'triaged', 'in_progress', 'contained', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
/** The six-level scale (CISA National Cyber Incident Scoring System). */
export const PRIORITIES = ['baseline', 'low', 'medium', 'high', 'severe', 'emergency'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const Uuid = z.uuid();
/** Text as data: any character PostgreSQL can store (NUL cannot be, so it is refused naming the field). */
const noNul = (s: string) => !s.includes('\u0000');
const NUL_MESSAGE = 'must not contain NUL characters';
const text = (max: number) => z.string().max(max).refine(noNul, NUL_MESSAGE);
const line = (max: number) => z.string().trim().min(1).max(max).refine(noNul, NUL_MESSAGE);
const datetime = z.iso.datetime({ offset: true });

export const SharingInput = z.strictObject({
  tlp: z.enum(TLP_LEVELS).default('AMBER+STRICT'),
  /** Share with the national hub (its organisations become recipients). */
  hub: z.boolean().default(true),
  /** Share with the reporting organisation's parent organisations (a county's state). */
  state: z.boolean().default(false),
  recipientOrgIds: z.array(Uuid).max(100).default([]),
  recipientUserIds: z.array(Uuid).max(100).default([]),
  communityIds: z.array(Uuid).max(100).default([]),
});
export type SharingInput = z.infer<typeof SharingInput>;

/** The report form. Drafts accept any subset; submit checks the required ones. */
const reportFields = {
  title: text(300),
  incidentType: z.enum(INCIDENT_TYPES),
  whatHappened: text(20000),
  detectedAt: datetime,
  occurredAt: datetime.nullable(),
  functionalImpact: z.enum(FUNCTIONAL_IMPACTS),
  informationImpact: z.enum(INFORMATION_IMPACTS),
  recoverability: z.enum(RECOVERABILITY),
  attackVector: z.enum(ATTACK_VECTORS),
  observedActivity: z.enum(OBSERVED_ACTIVITY),
  affectedSystems: text(5000),
  electionSystems: z.array(z.enum(ELECTION_SYSTEMS)).max(ELECTION_SYSTEMS.length),
  electionPhase: z.enum(ELECTION_PHASES),
};
export const DraftBody = z.strictObject({
  ...Object.fromEntries(Object.entries(reportFields).map(([k, v]) => [k, v.optional()])),
  sharing: SharingInput.optional(),
} as { [K in keyof typeof reportFields]: z.ZodOptional<(typeof reportFields)[K]> } & { sharing: z.ZodOptional<typeof SharingInput> });
export type DraftBody = z.infer<typeof DraftBody>;
export const REQUIRED_ON_SUBMIT = ['title', 'whatHappened', 'detectedAt', 'functionalImpact', 'informationImpact', 'recoverability', 'attackVector', 'electionSystems', 'electionPhase'] as const;

export const TriageBody = z.strictObject({
  priority: z.enum(PRIORITIES),
  rationale: line(5000),
  incidentType: z.enum(INCIDENT_TYPES).optional(),
});
export const StatusBody = z.strictObject({ status: z.enum(STATUSES), note: text(5000).optional() });
export const AssignBody = z.strictObject({ userId: Uuid.nullable() });
export const NoteBody = z.strictObject({ body: line(20000) });
export const PlaybookBody = z.strictObject({ type: z.enum(INCIDENT_TYPES).exclude(['other']) });
export const TaskCreateBody = z.strictObject({
  title: line(500),
  detail: text(5000).default(''),
  ownerUserId: Uuid.nullable().default(null),
  dueAt: datetime.nullable().default(null),
});
export const TaskUpdateBody = z.strictObject({
  title: line(500).optional(),
  detail: text(5000).optional(),
  ownerUserId: Uuid.nullable().optional(),
  dueAt: datetime.nullable().optional(),
  done: z.boolean().optional(),
});
export const ShareObservablesBody = z.strictObject({
  observableIds: z.array(Uuid).min(1).max(500),
  tlp: z.enum(TLP_LEVELS),
});
export const ConsentBody = z.strictObject({ consent: z.boolean() });
export const ESCALATION_FIELDS = ['incidentType', 'electionSystems', 'electionPhase', 'functionalImpact', 'informationImpact', 'recoverability', 'attackVector', 'observedActivity', 'detectedAt', 'priority', 'status', 'jurisdictionFips'] as const;
export const EscalationBody = z.strictObject({
  title: line(300),
  summary: line(20000),
  fields: z.array(z.enum(ESCALATION_FIELDS)).max(ESCALATION_FIELDS.length).default([]),
  recipientOrgIds: z.array(Uuid).min(1).max(50),
  tlp: z.enum(TLP_LEVELS).exclude(['CLEAR']).default('AMBER+STRICT'),
});

/**
 * List orders: a field, ascending, or with `-` descending. reported = submitted, updated = last change,
 * priority = the NCISS scale (baseline → emergency), status = the workflow order (new → closed),
 * sla = the next running SLA deadline (triage, then first response). Default: newest report first.
 */
export const SORT_FIELDS = ['reported', 'updated', 'priority', 'status', 'sla'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const SORTS = SORT_FIELDS.flatMap((f) => [f, `-${f}`] as const);
export type Sort = (typeof SORTS)[number];

export const ListQuery = z.strictObject({
  q: text(200).optional(),
  status: z.enum(STATUSES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  incidentType: z.enum(INCIDENT_TYPES).optional(),
  electionPhase: z.enum(ELECTION_PHASES).optional(),
  electionSystem: z.enum(ELECTION_SYSTEMS).optional(),
  state: z.string().regex(/^[0-9]{2}$/, 'must be a 2-digit state FIPS code').optional(),
  assignee: z.union([Uuid, z.literal('me')]).optional(),
  drafts: z.enum(['true', 'false']).default('false'),
  sort: z.enum(SORTS).default('-reported').describe(`One of ${SORT_FIELDS.join(', ')}; a leading - sorts descending`),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});
export type ListQuery = z.infer<typeof ListQuery>;
export const AssigneesQuery = z.strictObject({
  incidentId: Uuid.optional().describe("With an incident: also its reporting organisation's analysts and admins"),
});
export const Assignee = z.object({
  userId: Uuid,
  name: z.string(),
  orgId: Uuid,
  orgName: z.string(),
  role: z.enum(['member', 'analyst', 'org_admin']),
});
export const MetricsQuery = z.strictObject({
  since: datetime.optional(),
  until: datetime.optional(),
});

const iso = z.string();
const Sla = z.object({
  targetMinutes: z.number().int(),
  elapsedMinutes: z.number().int(),
  state: z.enum(['running', 'met', 'breached']),
  dueAt: iso.nullable(),
});
export const SharingOut = z.object({
  ownerOrgId: Uuid.nullable(),
  tlp: z.enum(TLP_LEVELS),
  communityIds: z.array(Uuid),
  recipientOrgIds: z.array(Uuid),
  recipientUserIds: z.array(Uuid),
  createdBy: Uuid.nullable(),
});
export const IncidentSummary = z.object({
  id: Uuid,
  ref: z.number().int(),
  status: z.enum(STATUSES),
  title: z.string(),
  incidentType: z.string().nullable(),
  priority: z.enum(PRIORITIES).nullable(),
  electionSystems: z.array(z.string()),
  electionPhase: z.string().nullable(),
  jurisdictionFips: z.string().nullable(),
  ownerOrgId: Uuid.nullable(),
  tlp: z.enum(TLP_LEVELS),
  assigneeUserId: Uuid.nullable(),
  detectedAt: iso.nullable(),
  submittedAt: iso.nullable(),
  updatedAt: iso,
});
/** A list row: the summary and the next running SLA deadline (what `sort=sla` orders by). */
export const IncidentListItem = IncidentSummary.extend({
  slaDueAt: iso.nullable().describe('The next running SLA deadline (triage, else first response); null when no clock runs'),
});
export const Task = z.object({
  id: Uuid,
  position: z.number().int(),
  playbook: z.string().nullable(),
  phase: z.string().nullable(),
  title: z.string(),
  detail: z.string(),
  ownerUserId: Uuid.nullable(),
  dueAt: iso.nullable(),
  doneAt: iso.nullable(),
  doneBy: Uuid.nullable(),
  overdue: z.boolean(),
});
export const TimelineEntry = z.object({
  id: z.number().int(),
  at: iso,
  actorId: Uuid.nullable(),
  actorName: z.string(),
  kind: z.string(),
  body: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export const Attachment = z.object({
  id: Uuid,
  filename: z.string(),
  declaredType: z.string().nullable(),
  detectedType: z.string().nullable(),
  servedType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  flagged: z.boolean(),
  flagReason: z.string().nullable(),
  uploadedBy: Uuid.nullable(),
  createdAt: iso,
});
export const Observable = z.object({
  id: Uuid,
  kind: z.string(),
  value: z.string(),
  source: z.string(),
  sharedIndicatorId: z.string().nullable(),
  sharedTlp: z.string().nullable(),
});
export const Incident = IncidentSummary.extend({
  whatHappened: z.string(),
  occurredAt: iso.nullable(),
  functionalImpact: z.string().nullable(),
  informationImpact: z.string().nullable(),
  recoverability: z.string().nullable(),
  attackVector: z.string().nullable(),
  observedActivity: z.string().nullable(),
  affectedSystems: z.string(),
  priorityRationale: z.string().nullable(),
  playbooks: z.array(z.string()),
  consentToShare: z.boolean(),
  consentAt: iso.nullable(),
  createdAt: iso,
  triagedAt: iso.nullable(),
  firstResponseAt: iso.nullable(),
  resolvedAt: iso.nullable(),
  closedAt: iso.nullable(),
  sharing: SharingOut,
  sla: z.object({ triage: Sla.nullable(), firstResponse: Sla.nullable() }),
  allowedTransitions: z.array(z.enum(STATUSES)),
});
export const Escalation = z.object({
  id: Uuid,
  incidentId: Uuid.nullable(),
  title: z.string(),
  summary: z.string(),
  fields: z.record(z.string(), z.unknown()),
  createdAt: iso,
  sharing: SharingOut,
});
export const Related = z.object({
  id: Uuid,
  ref: z.number().int(),
  title: z.string(),
  status: z.enum(STATUSES),
  shared: z.array(z.object({ kind: z.string(), value: z.string() })),
});
export const Metrics = z.object({
  total: z.number().int(),
  byType: z.record(z.string(), z.number().int()),
  byStatus: z.record(z.string(), z.number().int()),
  byState: z.record(z.string(), z.number().int()),
  byPhase: z.record(z.string(), z.number().int()),
  byPriority: z.record(z.string(), z.number().int()),
  medianMinutesToTriage: z.number().nullable(),
  medianMinutesToFirstResponse: z.number().nullable(),
  medianMinutesToResolve: z.number().nullable(),
  slaBreaches: z.object({ triage: z.number().int(), firstResponse: z.number().int() }),
});
export const Page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() });
/** The incident list: `total` counts matches up to 1,000; `totalCapped` says there are more ("1,000+"). */
export const IncidentListPage = <T extends z.ZodType>(item: T) =>
  Page(item).extend({ totalCapped: z.boolean().describe('true when more incidents match than `total` (the count stops at 1,000)') });
