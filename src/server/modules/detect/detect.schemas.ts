import { z } from 'zod';
import { TLP_LEVELS } from '../../core/access/tlp.ts';
import { FORMATS } from './detect.service.ts';

export const Uuid = z.uuid();
const iso = z.iso.datetime();

export const UploadQuery = z.strictObject({
  format: z.enum(FORMATS).default('auto'),
  tlp: z.enum(TLP_LEVELS).default('AMBER'),
  filename: z.string().trim().min(1).max(300).optional(),
  shareWithHub: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});

export const Skipped = z.object({ binary: z.number().int(), tooLong: z.number().int(), badEncoding: z.number().int(), badGzip: z.number().int() });

export const Run = z.object({
  id: Uuid,
  status: z.enum(['queued', 'running', 'complete', 'failed']),
  filename: z.string().nullable(),
  formatRequested: z.string(),
  format: z.string().nullable(),
  tlp: z.enum(TLP_LEVELS),
  shareWithHub: z.boolean(),
  gzip: z.boolean().nullable(),
  uploadBytes: z.number().int(),
  storedBytes: z.number().int(),
  logRetained: z.boolean(),
  lines: z.number().int(),
  bytes: z.number().int(),
  skipped: Skipped,
  gzipError: z.string().nullable(),
  hits: z.number().int(),
  hitLines: z.number().int(),
  hitsStored: z.number().int(),
  indicators: z.number().int(),
  complexPatterns: z.number().int(),
  complexTruncated: z.boolean(),
  retroHits: z.number().int(),
  sightings: z.number().int(),
  message: z.string().nullable(),
  createdAt: iso,
  startedAt: iso.nullable(),
  finishedAt: iso.nullable(),
});
export type Run = z.infer<typeof Run>;

export const RunListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const RunList = z.object({ items: z.array(Run), total: z.number().int() });

export const IndicatorContext = z.object({
  id: z.string(),
  name: z.string().nullable(),
  pattern: z.string().nullable(),
  indicatorTypes: z.array(z.string()),
  labels: z.array(z.string()),
});

export const HitListQuery = z.strictObject({
  runId: Uuid.optional(),
  indicatorId: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.coerce.number().int().min(1).optional(),
});
/** A campaign, intrusion set or threat actor the indicator indicates (or, `via` a campaign, that campaign is attributed to). */
export const RelatedObject = z.object({
  id: z.string(),
  type: z.enum(['campaign', 'intrusion-set', 'threat-actor']),
  name: z.string().nullable(),
  via: z.string().nullable(),
});
export const Hit = z.object({
  id: z.number().int(),
  runId: Uuid,
  filename: z.string().nullable(),
  indicatorId: z.string(),
  indicator: IndicatorContext,
  related: z.array(RelatedObject),
  kind: z.string(),
  value: z.string(),
  field: z.string(),
  lineNo: z.number().int(),
  line: z.string(),
  seenAt: iso,
  foundBy: z.enum(['upload', 'retrohunt']),
  sightingId: z.string().nullable(),
  createdAt: iso,
});
export const HitList = z.object({ items: z.array(Hit), nextCursor: z.number().int().nullable() });

export const SightingsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(200) });
export const SightingAggregate = z.object({
  indicatorId: z.string(),
  indicator: IndicatorContext,
  organisations: z.number().int(),
  states: z.array(z.string()),
  count: z.number().int(),
  firstSeen: iso,
  lastSeen: iso,
  sightingIds: z.array(z.string()),
  byOrganisation: z.array(
    z.object({ orgId: Uuid, name: z.string().nullable(), kind: z.string().nullable(), state: z.string().nullable(), count: z.number().int(), lastSeen: iso }),
  ),
});
export const SightingList = z.object({ items: z.array(SightingAggregate) });
