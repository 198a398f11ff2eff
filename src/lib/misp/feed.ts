import type { z } from 'zod';
import { MispValidationError, manifestSchema, toValidationError } from './schema.ts';

/**
 * MISP feed helpers. A MISP feed is a directory with `manifest.json` (event uuid → summary) and one
 * `<uuid>.json` per event (same `{ "Event": {...} }` shape as the API). Fetching is the caller's job.
 */
export interface MispFeedManifestEntry {
  uuid: string;
  info: string;
  /** Event last-modified time, epoch seconds. */
  timestamp: number;
  date?: string;
  published?: boolean;
  orgcName?: string;
  orgcUuid?: string;
  tags: string[];
  threatLevelId?: string;
  analysis?: string;
}

/** Validate and flatten `manifest.json`; entries sorted by timestamp (oldest first), then uuid. */
export function parseMispFeedManifest(json: unknown): MispFeedManifestEntry[] {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      throw new MispValidationError([{ path: '$', message: `not JSON: ${(e as Error).message}` }]);
    }
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new MispValidationError([{ path: '$', message: 'expected a JSON object mapping event uuids to summaries' }]);
  }
  const r = manifestSchema.safeParse(json);
  if (!r.success) throw toValidationError(r.error as z.ZodError);
  const out: MispFeedManifestEntry[] = [];
  for (const [uuid, e] of Object.entries(r.data)) {
    const entry: MispFeedManifestEntry = { uuid, info: e.info, timestamp: e.timestamp, tags: e.Tag.map((t) => t.name) };
    if (e.date) entry.date = e.date;
    if (e.published !== undefined) entry.published = e.published;
    if (e.Orgc?.name) entry.orgcName = e.Orgc.name;
    if (e.Orgc?.uuid) entry.orgcUuid = e.Orgc.uuid;
    if (e.threat_level_id != null) entry.threatLevelId = String(e.threat_level_id);
    if (e.analysis != null) entry.analysis = String(e.analysis);
    out.push(entry);
  }
  return out.sort((a, b) => a.timestamp - b.timestamp || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
}

/**
 * Entries changed strictly after `since` (epoch seconds, or a Date), oldest first — the events to
 * (re)fetch on an incremental sync. Pass the largest `timestamp` you have imported as the next `since`.
 */
export function mispFeedEventsSince(manifest: readonly MispFeedManifestEntry[], since: number | Date | null | undefined): MispFeedManifestEntry[] {
  const s = since == null ? -Infinity : since instanceof Date ? Math.floor(since.getTime() / 1000) : since;
  return manifest.filter((e) => e.timestamp > s).sort((a, b) => a.timestamp - b.timestamp || (a.uuid < b.uuid ? -1 : 1));
}

/** Relative path of an event file inside a feed (`<uuid>.json`), after checking the uuid. */
export function mispFeedEventPath(uuid: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) {
    throw new MispValidationError([{ path: '$', message: 'not an event uuid' }]);
  }
  return `${uuid.toLowerCase()}.json`;
}

/** The newest timestamp in a manifest (the `since` for the next sync), or null if empty. */
export function mispFeedLatestTimestamp(manifest: readonly MispFeedManifestEntry[]): number | null {
  return manifest.reduce<number | null>((m, e) => (m === null || e.timestamp > m ? e.timestamp : m), null);
}
