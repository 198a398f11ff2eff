import { randomUUID } from 'node:crypto';
import {
  normaliseDomain,
  normaliseEmail,
  normaliseHash,
  normaliseIp,
  normaliseMac,
  normaliseUrl,
  uuidv5,
} from '../../../lib/stix/index.ts';
import { parsePattern, PatternSyntaxError } from '../../../lib/stix-pattern/index.ts';
import { hasRole, hasScope, type Actor } from '../../core/access/actor.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import { withTx, type Tx } from '../../core/db.ts';
import { errors, type FieldProblem } from '../../core/http/errors.ts';
import type { IntelDeps } from './index.ts';
import type { IntelRepo, ObjectFilters, ObjectRow } from './intel.repo.ts';
import { prepareObject, storeRows, type ShareOptions } from './intel.store.ts';
import { countOutcomes, prepareBatch, writeBatch, type BatchItem } from './ingest.batch.ts';
import type {
  IndicatorCreateBody,
  NoteCreateBody,
  ObjectDetail,
  ObjectSummary,
  RefEnd,
  ReportCreateBody,
  ResolvedRef,
  SearchQuery,
  SubmitResult,
} from './intel.schemas.ts';

/** Synchronous submissions above this go through an ingest job (POST /api/intel/ingests). */
export const SYNC_MAX_OBJECTS = 1000;
/** Namespace of the deterministic identity objects Rampart publishes for organisations (UUIDv5 over the org id). */
export const ORG_IDENTITY_NAMESPACE = '6b1c3a52-2f0e-5a4e-9a57-2d5f6e0c8a11';
export const EXPORT_BATCH = 1000;

export interface SharingRequest {
  tlp?: Tlp;
  communityIds?: string[];
  recipientOrgIds?: string[];
  recipientUserIds?: string[];
}

/** Reads need a signed-in person or a token with the `read` scope. */
export function requireReader(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (actor.kind === 'system') return;
  if (!hasScope(actor, 'read')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the read scope');
}

/** Sharing needs an analyst of an organisation (tokens: with the `write` scope). */
export function requireSharer(actor: Actor): asserts actor is Actor & { orgId: string } {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'write')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the write scope');
  if (!actor.orgId || !hasRole(actor, 'analyst')) throw errors.forbidden('INTEL_FORBIDDEN', 'Only analysts of an organisation share threat information');
}

export function orgIdentityId(orgId: string): string {
  return `identity--${uuidv5(ORG_IDENTITY_NAMESPACE, orgId)}`;
}

/**
 * The organisation's identity object (created_by_ref of what Rampart builds for it): one deterministic id
 * per organisation, CLEAR, a new version when the organisation's name changes. Reads and writes in `tx`.
 */
export async function ensureOrgIdentity(repo: IntelRepo, tx: Tx, actor: Actor, orgId: string): Promise<string> {
  const id = orgIdentityId(orgId);
  const name = (await repo.orgName(orgId, tx)) ?? 'Unknown organisation';
  const existing = await repo.latestAny(tx, id);
  if (existing && existing.name === name) return id;
  const now = new Date().toISOString();
  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id,
    created: typeof existing?.created === 'string' ? existing.created : now,
    modified: now,
    name,
    identity_class: 'organization',
  };
  const share: ShareOptions = { actor, ownerOrgId: orgId, tlp: 'CLEAR', communityIds: [], source: 'system' };
  const p = prepareObject(identity, share, { communityIds: [] });
  if (!p.ok) throw new Error(`identity object invalid: ${JSON.stringify(p.errors)}`);
  await storeRows(tx, repo, share, [p.row], { kind: 'organisation-identity' });
  return id;
}

export function summaryOf(r: ObjectRow): ObjectSummary {
  const o = r.object;
  const name = typeof o.name === 'string' ? o.name : typeof o.value === 'string' ? o.value : null;
  return {
    id: r.id,
    type: r.type,
    name: name === null ? null : name.slice(0, 1000),
    version: r.version,
    modified: typeof o.modified === 'string' ? o.modified : null,
    dateAdded: r.dateAdded.toISOString(),
    tlp: r.tlp,
    ownerOrgId: r.ownerOrgId,
    ownerName: r.ownerName,
    source: r.source,
  };
}

const CURSOR_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|(\d{1,18})$/;
export function encodeCursor(at: string, pk: number): string {
  return Buffer.from(`${at}|${pk}`).toString('base64url');
}
export function decodeCursor(s: string): { at: string; pk: number } {
  const m = CURSOR_RE.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m) throw errors.badRequest('INTEL_BAD_CURSOR', 'The cursor is not one this API gave out', { path: 'query.cursor' });
  return { at: m[1]!, pk: Number(m[2]) };
}

const HASH_BY_LENGTH: Record<number, string> = { 32: 'MD5', 40: 'SHA-1', 64: 'SHA-256', 128: 'SHA-512' };

/**
 * The correlation key of an observable value as the store indexes it (`ipv4-addr:198.51.100.7`,
 * `domain-name:evil.example`, `file:sha256:…`): typed (`url:https://…`) or guessed from the value.
 */
export function observableKey(input: string): string | null {
  const v = input.trim();
  const typed = /^(ipv4-addr|ipv6-addr|domain-name|url|email-addr|mac-addr|file|artifact|autonomous-system|mutex|windows-registry-key):(.+)$/s.exec(v);
  if (typed) {
    const [, type, rest] = typed as unknown as [string, string, string];
    switch (type) {
      case 'ipv4-addr':
      case 'ipv6-addr': {
        const n = normaliseIp(rest);
        return n ? `${n.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:${n}` : null;
      }
      case 'domain-name': {
        const n = normaliseDomain(rest);
        return n ? `domain-name:${n}` : null;
      }
      case 'url': {
        const n = normaliseUrl(rest);
        return n ? `url:${n}` : null;
      }
      case 'email-addr': {
        const n = normaliseEmail(rest);
        return n ? `email-addr:${n}` : null;
      }
      case 'mac-addr': {
        const n = normaliseMac(rest);
        return n ? `mac-addr:${n}` : null;
      }
      case 'file':
      case 'artifact': {
        const m = /^([^:]+):(.+)$/.exec(rest);
        const h = m ? normaliseHash(m[1]!, m[2]!) : HASH_BY_LENGTH[rest.length] ? normaliseHash(HASH_BY_LENGTH[rest.length]!, rest) : null;
        return h ? `${type}:${h.algorithm}:${h.value}` : null;
      }
      case 'windows-registry-key':
        return `${type}:${rest.toLowerCase()}`;
      default:
        return `${type}:${rest}`;
    }
  }
  const ip = normaliseIp(v);
  if (ip) return `${ip.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:${ip}`;
  if (/^[0-9a-f]+$/i.test(v) && HASH_BY_LENGTH[v.length]) {
    const h = normaliseHash(HASH_BY_LENGTH[v.length]!, v);
    if (h) return `file:${h.algorithm}:${h.value}`;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    const n = normaliseUrl(v);
    return n ? `url:${n}` : null;
  }
  if (v.includes('@')) {
    const n = normaliseEmail(v);
    return n ? `email-addr:${n}` : null;
  }
  // Digits and dots that are not an IP address are no domain either (a URL parser would read 051 as octal).
  if (/^[0-9.]+$/.test(v)) return null;
  const d = normaliseDomain(v);
  return d ? `domain-name:${d}` : null;
}

/** Reference properties resolved for display (markings are not: they are definitions, not intel). */
function referencesOf(o: Record<string, unknown>, cap = 1000): { property: string; id: string }[] {
  const out: { property: string; id: string }[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (k === 'object_marking_refs') continue;
    if (k.endsWith('_ref') && typeof v === 'string') out.push({ property: k, id: v });
    else if (k.endsWith('_refs') && Array.isArray(v)) {
      for (const x of v) if (typeof x === 'string' && out.length < cap) out.push({ property: k, id: x });
    }
    if (out.length >= cap) break;
  }
  return out;
}

/** The store's filters from search (or export) query parameters; an observable value is normalised to its key. */
function filtersOf(q: Omit<SearchQuery, 'cursor' | 'limit'>): ObjectFilters {
  let observable: string | undefined;
  if (q.observable) {
    observable = observableKey(q.observable) ?? undefined;
    if (!observable) throw errors.validation([{ path: 'query.observable', message: 'not an observable value this store indexes' }]);
  }
  return {
    text: q.q?.trim() || undefined,
    types: q.type,
    tlp: q.tlp as Tlp[] | undefined,
    source: q.source,
    ownerOrgId: q.ownerOrgId,
    since: q.since ? new Date(q.since) : undefined,
    until: q.until ? new Date(q.until) : undefined,
    modifiedSince: q.modifiedSince ? new Date(q.modifiedSince) : undefined,
    modifiedUntil: q.modifiedUntil ? new Date(q.modifiedUntil) : undefined,
    observable,
  };
}

export function createIntelService(deps: IntelDeps) {
  const { repo } = deps;
  const db = deps.core.database.db;

  /** Checks sharing options against the directory; returns ShareOptions for the store. */
  async function shareFor(actor: Actor & { orgId: string }, req: SharingRequest, source: string, prefix: string): Promise<ShareOptions> {
    const problems: FieldProblem[] = [];
    (req.communityIds ?? []).forEach((c, i) => {
      if (!actor.communityIds.includes(c)) problems.push({ path: `${prefix}communityIds.${i}`, message: 'not a community of your organisation' });
    });
    const orgs = await repo.existingOrgIds(req.recipientOrgIds ?? []);
    (req.recipientOrgIds ?? []).forEach((o, i) => {
      if (!orgs.has(o)) problems.push({ path: `${prefix}recipientOrgIds.${i}`, message: 'no such organisation' });
    });
    const users = await repo.existingUserIds(req.recipientUserIds ?? []);
    (req.recipientUserIds ?? []).forEach((u, i) => {
      if (!users.has(u)) problems.push({ path: `${prefix}recipientUserIds.${i}`, message: 'no such person' });
    });
    if (problems.length) throw errors.validation(problems);
    return {
      actor,
      ownerOrgId: actor.orgId,
      ...(req.tlp ? { tlp: req.tlp } : {}),
      ...(req.communityIds ? { communityIds: [...new Set(req.communityIds)] } : {}),
      ...(req.recipientOrgIds ? { recipientOrgIds: [...new Set(req.recipientOrgIds)] } : {}),
      ...(req.recipientUserIds ? { recipientUserIds: [...new Set(req.recipientUserIds)] } : {}),
      source,
    };
  }

  const ensureIdentity = (tx: Tx, actor: Actor, orgId: string) => ensureOrgIdentity(repo, tx, actor, orgId);

  async function visibleIds(actor: Actor, ids: string[], path: string): Promise<void> {
    const found = new Set((await repo.latestOf(actor, [...new Set(ids)])).map((r) => r.id));
    const problems = ids.flatMap((id, i) => (found.has(id) ? [] : [{ path: `${path}.${i}`, message: 'no such object' }]));
    if (problems.length) throw errors.validation(problems);
  }

  /** Stores one object the server built (creation helpers); answers its summary. */
  async function createOne(actor: Actor & { orgId: string }, build: (createdByRef: string) => Record<string, unknown>, req: SharingRequest, kind: string) {
    const share = await shareFor(actor, req, 'api', 'body.');
    const { object } = await withTx(db, async (tx) => {
      const createdByRef = await ensureIdentity(tx, actor, actor.orgId);
      const obj = build(createdByRef);
      const p = prepareObject(obj, share, { communityIds: actor.communityIds });
      if (!p.ok) throw errors.validation(p.errors.map((e) => ({ path: `body${e.path.replace(/^\$/, '')}`, message: `${e.rule}: ${e.message}` })));
      await storeRows(tx, repo, share, [p.row], { kind });
      return { object: p.row.object! }; // prepared without a text: the row holds the object
    });
    const row = await repo.getLatest(actor, object.id as string);
    return { summary: summaryOf(row!), object: row!.object };
  }

  return {
    async search(actor: Actor, q: SearchQuery) {
      requireReader(actor);
      const filters = filtersOf(q);
      const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = await repo.searchPage(actor, {
        ...filters,
        cursor: cursor ? { dateAdded: cursor.at, pk: cursor.pk } : undefined,
        limit: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return { items: page.map(summaryOf), nextCursor: rows.length > q.limit && last ? encodeCursor(last.cursorAt, last.pk) : null, observableKey: filters.observable ?? null };
    },

    async get(actor: Actor, id: string): Promise<ObjectDetail> {
      requireReader(actor);
      const row = await repo.getLatest(actor, id);
      if (!row) throw errors.notFound('STIX object', 'INTEL_OBJECT_NOT_FOUND');
      const refs = referencesOf(row.object);
      const rels = await repo.relationshipsFor(actor, id);
      const otherIds = rels.map((r) => {
        const o = r.object;
        if (r.type === 'sighting') return r.id;
        return o.source_ref === id ? String(o.target_ref) : String(o.source_ref);
      });
      const resolved = new Map((await repo.latestOf(actor, [...new Set([...refs.map((r) => r.id), ...otherIds])])).map((r) => [r.id, r]));
      // A hidden object answers exactly like a missing one: only the id, marked dangling.
      const end = (refId: string): RefEnd => {
        const r = resolved.get(refId);
        return r ? { id: refId, status: 'resolved', type: r.type, name: summaryOf(r).name } : { id: refId, status: 'dangling' };
      };
      const references: ResolvedRef[] = refs.map((ref) => ({ property: ref.property, ...end(ref.id) }));
      const relationships = rels.map((r, i) => ({
        id: r.id,
        type: r.type as 'relationship' | 'sighting',
        relationshipType: r.type === 'sighting' ? 'sighting-of' : String(r.object.relationship_type ?? 'related-to'),
        direction: (r.type === 'relationship' && r.object.source_ref === id ? 'out' : 'in') as 'out' | 'in',
        other: end(otherIds[i]!),
        tlp: r.tlp,
      }));
      const correlated = (await repo.correlated(actor, id)).map((r) => ({ ...summaryOf(r), key: r.key }));
      const versionCount = (await repo.versions(actor, id)).length;
      const isOwner = actor.orgId !== null && actor.orgId === row.ownerOrgId;
      return {
        summary: summaryOf(row),
        object: row.object,
        sharing: {
          tlp: row.tlp,
          ownerOrg: row.ownerOrgId ? { id: row.ownerOrgId, name: row.ownerName } : null,
          communities: await repo.communityNames(row.communityIds),
          ...(isOwner ? { recipientOrgIds: row.recipientOrgIds, recipientUserIds: row.recipientUserIds } : {}),
        },
        references,
        relationships,
        correlated,
        versionCount,
      };
    },

    async versions(actor: Actor, id: string) {
      requireReader(actor);
      const rows = await repo.versions(actor, id);
      if (!rows.length) throw errors.notFound('STIX object', 'INTEL_OBJECT_NOT_FOUND');
      return {
        items: rows.map((r) => ({
          version: r.version,
          modified: typeof r.object.modified === 'string' ? r.object.modified : null,
          dateAdded: r.dateAdded.toISOString(),
          isLatest: r.isLatest,
          tlp: r.tlp,
          object: r.object,
        })),
      };
    },

    /** A bundle or one object, stored synchronously (≤ SYNC_MAX_OBJECTS) with a per-object outcome. */
    async submit(actor: Actor, body: Record<string, unknown>, req: SharingRequest): Promise<SubmitResult> {
      requireSharer(actor);
      let values: unknown[];
      if (body.type === 'bundle') {
        if (!Array.isArray(body.objects)) throw errors.validation([{ path: 'body.objects', message: 'a bundle needs an objects array' }]);
        values = body.objects;
      } else values = [body];
      if (values.length > SYNC_MAX_OBJECTS) {
        throw errors.badRequest('INTEL_TOO_MANY_OBJECTS', `At most ${SYNC_MAX_OBJECTS} objects per request: upload larger bundles to /api/intel/ingests`, { path: 'body.objects' });
      }
      const share = await shareFor(actor, req, 'api', 'query.');
      const items: BatchItem[] = values.map((value, index) => ({ index, value }));
      const batch = prepareBatch(items, share, { communityIds: actor.communityIds });
      const counts = await withTx(db, (tx) => writeBatch(tx, repo, share, batch, { via: 'POST /api/intel/objects' }));
      return { ...counts, objects: batch.outcomes };
    },

    async createIndicator(actor: Actor, b: IndicatorCreateBody) {
      requireSharer(actor);
      try {
        parsePattern(b.pattern);
      } catch (e) {
        if (e instanceof PatternSyntaxError) {
          throw errors.badRequest('INTEL_PATTERN_INVALID', `The pattern is not valid STIX 2.1 patterning: ${e.message}`, {
            path: 'body.pattern', position: e.position, expected: e.expected, found: e.found,
          });
        }
        throw e;
      }
      const now = new Date().toISOString();
      return createOne(actor, (createdByRef) => ({
        type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: now, modified: now, created_by_ref: createdByRef,
        name: b.name, ...(b.description ? { description: b.description } : {}),
        indicator_types: b.indicatorTypes ?? ['malicious-activity'],
        pattern: b.pattern, pattern_type: 'stix', pattern_version: '2.1',
        valid_from: b.validFrom ? new Date(b.validFrom).toISOString() : now,
        ...(b.validUntil ? { valid_until: new Date(b.validUntil).toISOString() } : {}),
        ...(b.labels?.length ? { labels: b.labels } : {}),
        ...(b.confidence !== undefined ? { confidence: b.confidence } : {}),
      }), b, 'indicator');
    },

    async createReport(actor: Actor, b: ReportCreateBody) {
      requireSharer(actor);
      await visibleIds(actor, b.objectIds, 'body.objectIds');
      const now = new Date().toISOString();
      return createOne(actor, (createdByRef) => ({
        type: 'report', spec_version: '2.1', id: `report--${randomUUID()}`, created: now, modified: now, created_by_ref: createdByRef,
        name: b.name, ...(b.description ? { description: b.description } : {}),
        report_types: b.reportTypes ?? ['threat-report'],
        published: b.published ? new Date(b.published).toISOString() : now,
        object_refs: [...new Set(b.objectIds)],
        ...(b.labels?.length ? { labels: b.labels } : {}),
      }), b, 'report');
    },

    async createNote(actor: Actor, b: NoteCreateBody) {
      requireSharer(actor);
      await visibleIds(actor, b.objectIds, 'body.objectIds');
      const now = new Date().toISOString();
      return createOne(actor, (createdByRef) => ({
        type: 'note', spec_version: '2.1', id: `note--${randomUUID()}`, created: now, modified: now, created_by_ref: createdByRef,
        ...(b.abstract ? { abstract: b.abstract } : {}), content: b.content,
        ...(b.authors?.length ? { authors: b.authors } : { authors: [actor.name] }),
        object_refs: [...new Set(b.objectIds)],
      }), b, 'note');
    },

    /**
     * A STIX 2.1 bundle of the latest visible versions, written as a stream of text chunks in
     * keyset batches (never the whole result in memory). Objects leave as stored (jsonb text).
     */
    async *exportBundle(actor: Actor, q: Omit<SearchQuery, 'cursor' | 'limit'> & { communityId?: string }): AsyncGenerator<string> {
      requireReader(actor);
      const filters = { ...filtersOf(q), communityId: q.communityId };
      yield `{"type":"bundle","id":"bundle--${randomUUID()}","objects":[`;
      let after: { at: string; pk: number } | null = null;
      let first = true;
      for (;;) {
        const rows = await repo.exportBatch(actor, { ...filters, after, limit: EXPORT_BATCH });
        if (!rows.length) break;
        let chunk = '';
        for (const r of rows) {
          chunk += first ? r.object : `,${r.object}`;
          first = false;
        }
        yield chunk;
        const last = rows[rows.length - 1]!;
        after = { at: last.cursorAt, pk: last.pk };
        if (rows.length < EXPORT_BATCH) break;
      }
      yield ']}';
    },

    shareFor,
    ensureOrgIdentity: ensureIdentity,
    countOutcomes,
  };
}

export type IntelService = ReturnType<typeof createIntelService>;
