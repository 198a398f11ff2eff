import { z } from 'zod';
import { MAX_EPOCH_SECONDS } from './ids.ts';

/**
 * zod schemas for the MISP event JSON (`GET /events/view/ID`, feed `<uuid>.json`) and the feed
 * `manifest.json`. They are deliberately lenient about what MISP itself is lenient about (numbers sent
 * as strings, booleans as "0"/"1", unknown extra keys are kept) and strict about what the mapping needs.
 */

export const uuidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a UUID')
  .transform((s) => s.toLowerCase());

/** Epoch seconds, as MISP sends them ("1603642920" or 1603642920). */
export const epochSchema = z
  .union([z.number(), z.string().regex(/^\d{1,15}$/, 'expected epoch seconds').transform(Number)])
  .pipe(z.number().int('expected whole epoch seconds').min(0).max(MAX_EPOCH_SECONDS, 'timestamp out of range'));

export const boolishSchema = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.enum(['0', '1', 'true', 'false', 'True', 'False'])])
  .transform((v) => v === true || v === 1 || v === '1' || v === 'true' || v === 'True');

/** MISP distribution: 0..5 (5 = inherit, attributes/objects only). */
export const distributionSchema = z
  .union([z.number(), z.string().regex(/^\d$/, 'expected a distribution level 0-5').transform(Number)])
  .pipe(z.number().int().min(0).max(5));

const dateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'invalid calendar date');

/** MISP values are strings; some producers send numbers (AS, port, size-in-bytes). */
const valueSchema = z.union([z.string(), z.number().transform((n) => String(n))]);

const optText = z.string().nullish();

export const tagSchema = z.looseObject({ name: z.string() });

export const galaxyClusterSchema = z.looseObject({
  uuid: uuidSchema,
  value: z.string(),
  type: optText,
  description: optText,
  tag_name: optText,
  meta: z.record(z.string(), z.unknown()).nullish(),
});

export const galaxySchema = z.looseObject({
  uuid: uuidSchema.optional(),
  name: optText,
  type: z.string(),
  description: optText,
  GalaxyCluster: z.array(galaxyClusterSchema).default([]),
});

export const attributeSchema = z.looseObject({
  uuid: uuidSchema,
  type: z.string().min(1),
  category: optText,
  value: valueSchema,
  to_ids: boolishSchema.default(false),
  comment: optText,
  timestamp: epochSchema.optional(),
  first_seen: optText,
  last_seen: optText,
  deleted: boolishSchema.optional(),
  distribution: distributionSchema.optional(),
  object_relation: optText,
  Tag: z.array(tagSchema).default([]),
  Galaxy: z.array(galaxySchema).default([]),
});

export const objectSchema = z.looseObject({
  uuid: uuidSchema,
  name: z.string().min(1),
  'meta-category': optText,
  comment: optText,
  timestamp: epochSchema.optional(),
  first_seen: optText,
  last_seen: optText,
  deleted: boolishSchema.optional(),
  distribution: distributionSchema.optional(),
  Attribute: z.array(attributeSchema).default([]),
});

const orgSchema = z.looseObject({ name: z.string().min(1), uuid: uuidSchema.optional() });

export const eventSchema = z.looseObject({
  uuid: uuidSchema,
  info: z.string(),
  date: dateSchema.optional(),
  timestamp: epochSchema,
  published: boolishSchema.optional(),
  publish_timestamp: epochSchema.optional(),
  distribution: distributionSchema.optional(),
  sharing_group_id: z.union([z.string(), z.number()]).nullish(),
  SharingGroup: z.looseObject({ name: optText, uuid: uuidSchema.optional() }).nullish(),
  threat_level_id: z.union([z.string(), z.number()]).nullish(),
  analysis: z.union([z.string(), z.number()]).nullish(),
  Orgc: orgSchema.optional(),
  Org: orgSchema.optional(),
  Tag: z.array(tagSchema).default([]),
  Attribute: z.array(attributeSchema).default([]),
  Object: z.array(objectSchema).default([]),
  Galaxy: z.array(galaxySchema).default([]),
});

export const eventEnvelopeSchema = z.object({ Event: eventSchema });

export type MispTag = z.infer<typeof tagSchema>;
export type MispGalaxyCluster = z.infer<typeof galaxyClusterSchema>;
export type MispGalaxy = z.infer<typeof galaxySchema>;
export type MispAttribute = z.infer<typeof attributeSchema>;
export type MispObject = z.infer<typeof objectSchema>;
export type MispEvent = z.infer<typeof eventSchema>;

/** Feed manifest entry (manifest.json maps event uuid → summary). */
export const manifestEntrySchema = z.looseObject({
  info: z.string(),
  timestamp: epochSchema,
  date: dateSchema.optional(),
  published: boolishSchema.optional(),
  analysis: z.union([z.string(), z.number()]).nullish(),
  threat_level_id: z.union([z.string(), z.number()]).nullish(),
  Orgc: z.looseObject({ name: z.string().optional(), uuid: uuidSchema.optional() }).nullish(),
  Tag: z.array(tagSchema).default([]),
});

export const manifestSchema = z.record(uuidSchema, manifestEntrySchema);

// ---------------------------------------------------------------------------------------------
// Structured validation error
// ---------------------------------------------------------------------------------------------

export interface MispValidationIssue {
  /** JSON path of the offending value, e.g. `Event.Attribute[3].uuid` (`$` = the document root). */
  path: string;
  message: string;
}

/** The only error the MISP library throws for bad input. */
export class MispValidationError extends Error {
  readonly issues: MispValidationIssue[];
  constructor(issues: MispValidationIssue[]) {
    const first = issues[0];
    super(
      first
        ? `invalid MISP input at ${first.path}: ${first.message}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}`
        : 'invalid MISP input',
    );
    this.name = 'MispValidationError';
    this.issues = issues;
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '$';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$-]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

export function toValidationError(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): MispValidationError {
  const issues = error.issues.slice(0, 50).map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message }));
  return new MispValidationError(issues);
}
