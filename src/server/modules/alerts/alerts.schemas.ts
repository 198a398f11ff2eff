import { z } from 'zod';
import { TLP_LEVELS } from '../../core/access/tlp.ts';
import { ORG_KINDS } from '../directory/index.ts';

export const ALERT_LEVELS = ['Low', 'Guarded', 'Elevated', 'High', 'Severe'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];
export const ALERT_STATUSES = ['draft', 'review', 'published', 'withdrawn'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ACK_STATUSES = ['received', 'actioned', 'not_applicable'] as const;
export type AckStatus = (typeof ACK_STATUSES)[number];
export const MAIL_MODES = ['immediate', 'digest', 'none'] as const;

export const Uuid = z.uuid();
const Fips = z.string().regex(/^[0-9]{2}([0-9]{3})?$/, 'must be a 2-digit state or 5-digit county FIPS code');
const StateFips = z.string().regex(/^[0-9]{2}$/, 'must be a 2-digit state FIPS code');
const StixId = z.string().regex(/^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a STIX id (type--uuid)');
const shortList = (max = 50, len = 200) => z.array(z.string().trim().min(1).max(len)).max(max);

/** Markdown bodies are capped: an advisory is a page or two, not a document store. */
export const MAX_BODY = 100_000;

export const Target = z.strictObject({
  orgKinds: z.array(z.enum(ORG_KINDS)).max(ORG_KINDS.length).default([]),
  states: z.array(StateFips).max(60).default([]),
  jurisdictions: z.array(Fips).max(500).default([]),
  communityIds: z.array(Uuid).max(100).default([]),
  orgIds: z.array(Uuid).max(1000).default([]),
  userIds: z.array(Uuid).max(1000).default([]),
});
export type Target = z.infer<typeof Target>;

const SharingInput = {
  tlp: z.enum(TLP_LEVELS),
  communityIds: z.array(Uuid).max(100).default([]),
  recipientOrgIds: z.array(Uuid).max(1000).default([]),
  recipientUserIds: z.array(Uuid).max(1000).default([]),
};

const Content = {
  kind: z.enum(['advisory', 'alert']).default('advisory'),
  title: z.string().trim().min(1).max(300),
  level: z.enum(ALERT_LEVELS),
  summary: z.string().max(5000).default(''),
  body: z.string().max(MAX_BODY, `may hold at most ${MAX_BODY} characters`).default(''),
  technicalDetails: z.string().max(MAX_BODY, `may hold at most ${MAX_BODY} characters`).default(''),
  affectedSectors: shortList().default([]),
  affectedProducts: shortList().default([]),
  affectedJurisdictions: z.array(Fips).max(500).default([]),
  stixRefs: z.array(StixId).max(200).default([]),
  recommendedActions: shortList(50, 2000).default([]),
  references: z.array(z.url({ protocol: /^https?$/ }).max(2000)).max(50).default([]),
  expiresAt: z.iso.datetime({ offset: true }).nullable().default(null),
  target: Target.default({ orgKinds: [], states: [], jurisdictions: [], communityIds: [], orgIds: [], userIds: [] }),
};

export const AlertCreateBody = z.strictObject({ ...Content, ...SharingInput });
export type AlertCreateBody = z.infer<typeof AlertCreateBody>;

/** PATCH: only what is sent changes. On a published alert it makes a new revision. */
export const AlertUpdateBody = z.strictObject({
  title: Content.title.optional(),
  level: Content.level.optional(),
  summary: z.string().max(5000).optional(),
  body: z.string().max(MAX_BODY, `may hold at most ${MAX_BODY} characters`).optional(),
  technicalDetails: z.string().max(MAX_BODY, `may hold at most ${MAX_BODY} characters`).optional(),
  affectedSectors: shortList().optional(),
  affectedProducts: shortList().optional(),
  affectedJurisdictions: z.array(Fips).max(500).optional(),
  stixRefs: z.array(StixId).max(200).optional(),
  recommendedActions: shortList(50, 2000).optional(),
  references: z.array(z.url({ protocol: /^https?$/ }).max(2000)).max(50).optional(),
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  target: Target.optional(),
  tlp: z.enum(TLP_LEVELS).optional(),
  communityIds: z.array(Uuid).max(100).optional(),
  recipientOrgIds: z.array(Uuid).max(1000).optional(),
  recipientUserIds: z.array(Uuid).max(1000).optional(),
  revisionNote: z.string().max(2000).optional(),
});
export type AlertUpdateBody = z.infer<typeof AlertUpdateBody>;

export const TransitionBody = z.strictObject({ note: z.string().max(2000).default('') });

const iso = z.string();
/** An alert as every channel carries it (API, webhook payload, revision snapshot). */
export const AlertBase = z.object({
  id: Uuid,
  number: z.string(),
  kind: z.enum(['advisory', 'alert']),
  status: z.enum(ALERT_STATUSES),
  expired: z.boolean(),
  revision: z.number().int(),
  level: z.enum(ALERT_LEVELS),
  title: z.string(),
  summary: z.string(),
  body: z.string(),
  bodyHtml: z.string(),
  technicalDetails: z.string(),
  affectedSectors: z.array(z.string()),
  affectedProducts: z.array(z.string()),
  affectedJurisdictions: z.array(z.string()),
  stixRefs: z.array(z.string()),
  recommendedActions: z.array(z.string()),
  references: z.array(z.string()),
  target: z.object({
    orgKinds: z.array(z.string()), states: z.array(z.string()), jurisdictions: z.array(z.string()),
    communityIds: z.array(z.string()), orgIds: z.array(z.string()), userIds: z.array(z.string()),
  }),
  ownerOrgId: Uuid.nullable(),
  tlp: z.enum(TLP_LEVELS),
  communityIds: z.array(Uuid),
  recipientOrgIds: z.array(Uuid),
  recipientUserIds: z.array(Uuid),
  createdBy: Uuid.nullable(),
  authorName: z.string(),
  approvedBy: Uuid.nullable(),
  publishedAt: iso.nullable(),
  expiresAt: iso.nullable(),
  createdAt: iso,
  updatedAt: iso,
});
export type AlertOut = z.infer<typeof AlertBase>;

/** The caller's own acknowledgement (null: not acknowledged, or not a person). */
export const MyAcknowledgement = z.object({ status: z.enum(ACK_STATUSES), at: iso, via: z.enum(['email', 'api']) }).nullable();
/** An alert as the API answers it: with the caller's own acknowledgement. */
export const Alert = AlertBase.extend({ myAcknowledgement: MyAcknowledgement });

export const AlertSummary = AlertBase.pick({ id: true, number: true, kind: true, status: true, expired: true, revision: true, level: true, title: true, summary: true, tlp: true, ownerOrgId: true, publishedAt: true, expiresAt: true, updatedAt: true });

export const AlertListQuery = z.strictObject({
  status: z.enum(ALERT_STATUSES).optional(),
  level: z.enum(ALERT_LEVELS).optional(),
  active: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const Revision = z.object({ revision: z.number().int(), note: z.string(), publishedAt: iso, publishedBy: Uuid.nullable(), snapshot: z.record(z.string(), z.unknown()) });

/** Audience preview of targeting and sharing not saved yet (the authoring form, live). */
export const AudiencePreviewBody = z.strictObject({ target: Target, ...SharingInput });
export type AudiencePreviewBody = z.infer<typeof AudiencePreviewBody>;

export const Audience = z.object({
  organisations: z.number().int(),
  people: z.number().int(),
  /** Targeted but refused by the TLP rule (they would not be allowed to see it). */
  excludedByTlp: z.object({ organisations: z.number().int(), people: z.number().int() }),
});

export const AckBody = z.strictObject({ status: z.enum(ACK_STATUSES) });
export const AckLinkBody = z.strictObject({ token: z.string().min(10).max(2000), status: z.enum(ACK_STATUSES) });
export const AckProgress = z.object({
  recipients: z.object({ organisations: z.number().int(), people: z.number().int() }),
  acknowledged: z.object({ organisations: z.number().int(), people: z.number().int() }),
  byStatus: z.record(z.string(), z.number().int()),
  byOrganisation: z.array(z.object({ orgId: Uuid, people: z.number().int(), acknowledged: z.number().int(), escalatedAt: iso.nullable() })),
  byState: z.array(z.object({ stateFips: z.string().nullable(), organisations: z.number().int(), acknowledgedOrganisations: z.number().int() })),
});

export const Notification = z.object({ id: Uuid, alertId: Uuid, number: z.string(), revision: z.number().int(), title: z.string(), level: z.enum(ALERT_LEVELS), tlp: z.enum(TLP_LEVELS), createdAt: iso, readAt: iso.nullable() });

export const Prefs = z.object({ levels: z.record(z.enum(ALERT_LEVELS), z.enum(MAIL_MODES)) });
export const PrefsBody = z.strictObject({ levels: z.partialRecord(z.enum(ALERT_LEVELS), z.enum(MAIL_MODES)) });

export const WebhookCreateBody = z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2000), description: z.string().max(500).default('') });
export const Webhook = z.object({ id: Uuid, orgId: Uuid, url: z.string(), description: z.string(), active: z.boolean(), createdAt: iso });
export const WebhookCreated = Webhook.extend({ secret: z.string() });
export const WebhookAttempt = z.object({ id: z.number().int(), alertId: Uuid, revision: z.number().int(), attempt: z.number().int(), statusCode: z.number().int().nullable(), ok: z.boolean(), error: z.string().nullable(), durationMs: z.number().int(), at: iso });
