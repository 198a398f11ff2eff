import { z } from 'zod';
import { TLP_LEVELS } from '../../core/access/tlp.ts';

/** Schemas of the intel REST API (/api/intel). */

export const Uuid = z.uuid();
export const TlpEnum = z.enum(TLP_LEVELS);
export const StixId = z
  .string()
  .max(300)
  .regex(/^[a-z0-9][a-z0-9-]*[a-z0-9]--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a STIX identifier (<type>--<uuid>)');

/** A list in a query string: repeated (`?type=a&type=b`) or comma-separated (`?type=a,b`). */
const queryList = <O extends string>(item: z.ZodType<O, string>, max = 50) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item).max(max));

/** Sharing options, as query parameters (for raw uploads: bundles, files). */
export const ShareQuery = z.strictObject({
  tlp: TlpEnum.optional().describe('Requested TLP: an object marked stricter keeps its own marking'),
  communityIds: queryList(Uuid, 100).optional().describe('Communities (default: every community of your organisation)'),
  recipientOrgIds: queryList(Uuid, 500).optional(),
  recipientUserIds: queryList(Uuid, 500).optional(),
});
export type ShareQuery = z.infer<typeof ShareQuery>;

/** Sharing options inside a JSON body (the creation helpers). */
export const ShareFields = {
  tlp: TlpEnum.default('AMBER'),
  communityIds: z.array(Uuid).max(100).optional(),
  recipientOrgIds: z.array(Uuid).max(500).optional(),
  recipientUserIds: z.array(Uuid).max(500).optional(),
};

export const SearchQuery = z.strictObject({
  q: z.string().max(500).optional().describe('Full text (websearch syntax: "quoted phrase", OR, -not) over names, descriptions, patterns, values'),
  type: queryList(z.string().regex(/^[a-z0-9-]{1,250}$/), 60).optional(),
  tlp: queryList(TlpEnum, 5).optional(),
  source: z.string().max(200).optional(),
  ownerOrgId: Uuid.optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Added at or after'),
  until: z.iso.datetime({ offset: true }).optional().describe('Added before'),
  modifiedSince: z.iso.datetime({ offset: true }).optional(),
  modifiedUntil: z.iso.datetime({ offset: true }).optional(),
  observable: z.string().max(2048).optional().describe('An observable value (1.2.3.4, evil.example, a URL, e-mail or hash; or typed: ipv4-addr:1.2.3.4)'),
  cursor: z.string().max(200).optional().describe('Opaque: nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

export const ObjectSummary = z.object({
  id: z.string(),
  type: z.string(),
  name: z.string().nullable(),
  version: z.string(),
  modified: z.string().nullable(),
  dateAdded: z.string(),
  tlp: TlpEnum,
  ownerOrgId: z.string().nullable(),
  ownerName: z.string().nullable(),
  source: z.string(),
});
export type ObjectSummary = z.infer<typeof ObjectSummary>;

export const SearchResult = z.object({ items: z.array(ObjectSummary), nextCursor: z.string().nullable(), observableKey: z.string().nullable() });

export const ResolvedRef = z.union([
  z.object({ property: z.string(), id: z.string(), status: z.literal('resolved'), type: z.string(), name: z.string().nullable() }),
  z.object({ property: z.string(), id: z.string(), status: z.literal('dangling') }),
]);
export type ResolvedRef = z.infer<typeof ResolvedRef>;

const RefEnd = z.union([
  z.object({ id: z.string(), status: z.literal('resolved'), type: z.string(), name: z.string().nullable() }),
  z.object({ id: z.string(), status: z.literal('dangling') }),
]);
export type RefEnd = z.infer<typeof RefEnd>;

export const RelationshipView = z.object({
  id: z.string(),
  type: z.enum(['relationship', 'sighting']),
  relationshipType: z.string(),
  direction: z.enum(['out', 'in']),
  other: RefEnd,
  tlp: TlpEnum,
});

export const Sharing = z.object({
  tlp: TlpEnum,
  ownerOrg: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  communities: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Only for the owner organisation's members. */
  recipientOrgIds: z.array(z.string()).optional(),
  recipientUserIds: z.array(z.string()).optional(),
});

export const ObjectDetail = z.object({
  summary: ObjectSummary,
  object: z.record(z.string(), z.unknown()),
  sharing: Sharing,
  references: z.array(ResolvedRef),
  relationships: z.array(RelationshipView),
  correlated: z.array(ObjectSummary.extend({ key: z.string() })),
  versionCount: z.number().int(),
});
export type ObjectDetail = z.infer<typeof ObjectDetail>;

export const VersionList = z.object({
  items: z.array(z.object({ version: z.string(), modified: z.string().nullable(), dateAdded: z.string(), isLatest: z.boolean(), tlp: TlpEnum, object: z.record(z.string(), z.unknown()) })),
});

export const IdParams = z.strictObject({ id: StixId });

export const Issue = z.object({ rule: z.string(), path: z.string(), message: z.string() });

export const ObjectOutcome = z.object({
  index: z.number().int(),
  id: z.string().nullable(),
  type: z.string().nullable(),
  outcome: z.enum(['inserted', 'duplicate', 'rejected']),
  errors: z.array(Issue).optional(),
});
export type ObjectOutcome = z.infer<typeof ObjectOutcome>;

export const SubmitResult = z.object({
  inserted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  objects: z.array(ObjectOutcome),
});
export type SubmitResult = z.infer<typeof SubmitResult>;

/** A STIX bundle or one STIX object: validated object by object by the store, not here. */
export const StixBody = z.looseObject({ type: z.string().max(250) }).describe('A STIX 2.1 bundle, or one STIX 2.1 object');

export const IndicatorCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(1000),
  description: z.string().max(100_000).optional(),
  pattern: z.string().min(1).max(100_000).describe('STIX 2.1 pattern, checked by the full parser'),
  indicatorTypes: z.array(z.string().regex(/^[a-z0-9-]{1,100}$/)).max(20).optional(),
  validFrom: z.iso.datetime({ offset: true }).optional(),
  validUntil: z.iso.datetime({ offset: true }).optional(),
  labels: z.array(z.string().min(1).max(200)).max(50).optional(),
  confidence: z.number().int().min(0).max(100).optional(),
  ...ShareFields,
});
export type IndicatorCreateBody = z.infer<typeof IndicatorCreateBody>;

export const ReportCreateBody = z.strictObject({
  name: z.string().trim().min(1).max(1000),
  description: z.string().max(100_000).optional(),
  reportTypes: z.array(z.string().regex(/^[a-z0-9-]{1,100}$/)).max(20).optional(),
  published: z.iso.datetime({ offset: true }).optional(),
  objectIds: z.array(StixId).min(1).max(10_000),
  labels: z.array(z.string().min(1).max(200)).max(50).optional(),
  ...ShareFields,
});
export type ReportCreateBody = z.infer<typeof ReportCreateBody>;

export const NoteCreateBody = z.strictObject({
  abstract: z.string().max(1000).optional(),
  content: z.string().min(1).max(100_000),
  objectIds: z.array(StixId).min(1).max(1000),
  authors: z.array(z.string().min(1).max(200)).max(20).optional(),
  ...ShareFields,
});
export type NoteCreateBody = z.infer<typeof NoteCreateBody>;

export const Created = z.object({ summary: ObjectSummary, object: z.record(z.string(), z.unknown()) });

/** Export takes the search filters (so a search can be exported as shown) plus a collection. */
export const ExportQuery = SearchQuery.omit({ cursor: true, limit: true }).extend({
  collection: Uuid.optional().describe('A community id: only objects shared with it'),
});

export const Bundle = z.object({ type: z.literal('bundle'), id: z.string(), objects: z.array(z.record(z.string(), z.unknown())) });

// ---- ingest jobs ----

export const INGEST_KINDS = ['stix', 'misp', 'csv'] as const;

export const CsvMappingFields = {
  valueColumn: z.string().min(1).max(200).optional().describe('Column with the indicator value (default: detected)'),
  typeColumn: z.string().min(1).max(200).optional(),
  nameColumn: z.string().min(1).max(200).optional(),
  descriptionColumn: z.string().min(1).max(200).optional(),
  validFromColumn: z.string().min(1).max(200).optional(),
  validUntilColumn: z.string().min(1).max(200).optional(),
  labelsColumn: z.string().min(1).max(200).optional(),
  confidenceColumn: z.string().min(1).max(200).optional(),
  tlpColumn: z.string().min(1).max(200).optional(),
  defaultType: z.string().max(50).optional().describe("Indicator type for rows without a type column ('auto' detects)"),
  delimiter: z.string().min(1).max(1).optional(),
};

export const IngestUploadQuery = ShareQuery.extend({
  kind: z.enum(INGEST_KINDS),
  filename: z.string().max(500).optional(),
  ...CsvMappingFields,
});
export type IngestUploadQuery = z.infer<typeof IngestUploadQuery>;

export const IngestError = z.object({
  index: z.number().int().optional(),
  row: z.number().int().optional(),
  id: z.string().nullable().optional(),
  rule: z.string(),
  path: z.string(),
  message: z.string(),
});
export type IngestError = z.infer<typeof IngestError>;

export const Ingest = z.object({
  id: Uuid,
  kind: z.enum(['stix', 'misp', 'misp-feed', 'csv']),
  status: z.enum(['queued', 'running', 'complete', 'failed']),
  filename: z.string().nullable(),
  feedId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  total: z.number().int(),
  inserted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  bytesRead: z.number(),
  bytesTotal: z.number().nullable(),
  progress: z.number().nullable().describe('0..1 from bytes read, when the size is known'),
  errors: z.array(IngestError),
  errorsOmitted: z.number().int().describe('Errors beyond the stored list'),
  message: z.string().nullable(),
});
export type Ingest = z.infer<typeof Ingest>;

export const IngestIdParams = z.strictObject({ id: Uuid });

export const CsvPreviewQuery = z.strictObject({ delimiter: z.string().min(1).max(1).optional() });
export const CsvPreview = z.object({
  header: z.array(z.string()),
  mapping: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
  defaultType: z.string(),
  columnTypes: z.record(z.string(), z.string().nullable()),
  rows: z.array(z.array(z.string())),
});

const MispFeedUrl = z.url({ protocol: /^https?$/ }).max(2000).describe('Feed base URL (the directory holding manifest.json)');
const MispFeedInterval = z.number().int().min(60).max(7 * 86400);
const MispFeedAuth = {
  authHeader: z
    .string()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a header name: letters, digits and - _ . only')
    .max(100)
    .nullable()
    .optional()
    .describe('The request header sent with every fetch of the feed (e.g. Authorization); null: none (public feed). Kept when omitted'),
  authValue: z
    .string()
    .min(1)
    .max(4000)
    .regex(/^[^\r\n]*$/, 'one line')
    .optional()
    .describe('Its value (e.g. an API key), stored encrypted and never shown again. Required when a header is named for the first time; kept when omitted'),
};

export const MispFeedBody = z.strictObject({
  url: MispFeedUrl,
  tlp: TlpEnum.optional(),
  communityIds: z.array(Uuid).max(100).optional(),
  recipientOrgIds: z.array(Uuid).max(500).optional(),
  recipientUserIds: z.array(Uuid).max(500).optional(),
  intervalSeconds: MispFeedInterval.optional().describe('Pull the feed every this many seconds (default 3600; kept when omitted on an existing feed)'),
  enabled: z.boolean().optional().describe('Scheduled pulls on (default) or off'),
  ...MispFeedAuth,
});
export type MispFeedBody = z.infer<typeof MispFeedBody>;

export const MispFeedPatch = z.strictObject({
  url: MispFeedUrl.optional().describe('Another URL is another feed: its cursor and last outcome are forgotten and it is pulled at the next tick'),
  tlp: TlpEnum.nullable().optional().describe('The TLP applied to what arrives; null: each event’s own marking'),
  communityIds: z.array(Uuid).max(100).optional().describe('Communities what arrives is shared with; [] for every community of your organisation'),
  intervalSeconds: MispFeedInterval.optional(),
  enabled: z.boolean().optional().describe('Turning a feed on also forgets its failures (due at its next scheduled time)'),
  ...MispFeedAuth,
});
export type MispFeedPatch = z.infer<typeof MispFeedPatch>;

export const MispFeed = z.object({
  id: Uuid,
  url: z.string(),
  intervalSeconds: z.number().int(),
  enabled: z.boolean(),
  lastTimestamp: z.number().nullable().describe('Cursor: the newest event timestamp pulled without a gap; only newer events are fetched'),
  lastPulledAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastStatus: z.enum(['queued', 'complete', 'partial', 'failed']).nullable().describe('partial: some events could not be fetched (fetched again at the next pull)'),
  lastError: z.string().nullable(),
  lastIngestId: z.string().nullable().describe('The ingest job of the last pull (GET /api/intel/ingests/:id)'),
  failures: z.number().int().describe('Consecutive failed pulls; the next one waits 1, 2, 4… minutes (at most 6 h)'),
  nextPullAt: z.string(),
  createdAt: z.string(),
  tlp: TlpEnum.nullable().describe('The TLP applied to what arrives; null: each event’s own marking'),
  communityIds: z.array(Uuid).describe('Communities what arrives is shared with; empty: every community of the organisation'),
  authHeader: z.string().nullable().describe('The header sent with every fetch (its value is never shown)'),
  hasAuthValue: z.boolean(),
  lastPull: z
    .object({
      status: z.enum(['queued', 'running', 'complete', 'failed']),
      total: z.number().int(),
      inserted: z.number().int(),
      duplicates: z.number().int(),
      rejected: z.number().int(),
      eventsPulled: z.number().int(),
      eventsListed: z.number().int().nullable().describe('Events of the manifest newer than the cursor (known once the manifest was read)'),
    })
    .nullable()
    .describe('The last pull’s job: its objects and events'),
  eventsPulled: z.number().int().describe('Events pulled over every pull of this feed'),
});
export const MispFeedPull = z.object({ feed: MispFeed, ingest: Ingest });
