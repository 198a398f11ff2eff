import { randomUUID } from 'node:crypto';
import { uuidv5 } from '../../../../lib/stix/index.ts';
import { hasRole, hasScope, systemActor, type Actor } from '../../../core/access/actor.ts';
import type { Tlp } from '../../../core/access/tlp.ts';
import { audit } from '../../../core/audit/audit.ts';
import { withTx } from '../../../core/db.ts';
import type { Core } from '../../../core/module.ts';
import type { DirectoryService } from '../../directory/index.ts';
import type { IntelRepo, StoredObjectRow } from '../intel.repo.ts';
import { prepareObject, storeRows, versionOf, type ShareOptions } from '../intel.store.ts';
import type { CollectionScope, Cursor, ObjectQuery, ObjectsPage, StatusDetail, StatusRow, TaxiiRepo, VersionMatch } from './taxii.repo.ts';

/** TAXII 2.1 media types (TAXII 2.1 §1.6.8). Responses carry exactly TAXII_MEDIA_TYPE. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/** The one API root. */
export const API_ROOT_PATH = '/taxii2/api/';

/** The public collection: TLP:CLEAR objects only, readable without an account, never writable. */
export const PUBLIC_COLLECTION_ID = '6f0e3c5a-7d1b-4b8e-9a43-2c1d0e5f7a90';

/** An organisation's inbox collection id is UUIDv5(INBOX_NAMESPACE, organisation id). */
export const INBOX_NAMESPACE = 'c7d0a5e2-3b4f-5a61-9d8c-7e2f1a0b4c63';
export const inboxCollectionId = (orgId: string) => uuidv5(INBOX_NAMESPACE, orgId.toLowerCase());

export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;
/** How long a read-ahead page is kept, and how many are kept at most (each up to a page of JSON). */
export const READ_AHEAD_MS = 2_000;
export const READ_AHEAD_MAX = 16;
/** Pages read ahead of the one a client asked for, each started when the previous one has arrived. */
export const READ_AHEAD_DEPTH = 2;
/** Objects stored per transaction when a client posts an envelope. */
export const POST_BATCH = 500;

/** A TAXII error (TAXII 2.1 §3.6.1); the TAXII scope's error handler renders it. */
export class TaxiiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly title: string,
    readonly description?: string,
    readonly errorCode?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(description ?? title);
    this.name = 'TaxiiError';
  }
}

const bad = (description: string, details?: Record<string, unknown>) => new TaxiiError(400, 'Bad request', description, 'TAXII_BAD_REQUEST', details);
const notFound = (what = 'Collection') => new TaxiiError(404, `${what} not found`, `${what} not found, or not available to this account`, 'TAXII_NOT_FOUND');
const forbidden = (description: string) => new TaxiiError(403, 'Forbidden', description, 'TAXII_FORBIDDEN');
export const unauthenticated = () => new TaxiiError(401, 'Authentication required', 'Use HTTP Basic (API token as password) or Bearer with a Rampart API token', 'TAXII_AUTH_REQUIRED');

export interface CollectionInfo {
  id: string;
  title: string;
  description: string;
  alias?: string;
  can_read: boolean;
  can_write: boolean;
  media_types: string[];
}

export interface Collection {
  info: CollectionInfo;
  scope: CollectionScope;
}

// ---- query parameters (TAXII 2.1 §3.4, §3.5) -------------------------------------------------

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const NEXT_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)~(\d{1,18})(?:~(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z))?$/;

function timestamp(name: string, v: string): string {
  if (!TS_RE.test(v) || Number.isNaN(Date.parse(v))) throw bad(`${name} must be an RFC 3339 timestamp such as 2026-01-01T00:00:00.000Z`, { parameter: name });
  return v;
}

/** `next`: where the following page starts, and the walk's horizon (absent from values issued before it existed). */
export const encodeNext = (c: Cursor, horizon?: string) => Buffer.from(`${c.da}~${c.pk}${horizon ? `~${horizon}` : ''}`, 'utf8').toString('base64url');
export function decodeNext(v: string): { cursor: Cursor; horizon?: string } {
  const m = NEXT_RE.exec(/^[A-Za-z0-9_-]{1,200}$/.test(v) ? Buffer.from(v, 'base64url').toString('utf8') : '');
  if (!m) throw bad('next is not a value this server issued', { parameter: 'next' });
  return { cursor: { da: m[1]!, pk: Number(m[2]) }, horizon: m[3] };
}

export type Query = Record<string, string | string[] | undefined>;
const one = (q: Query, k: string): string | undefined => {
  const v = q[k];
  if (Array.isArray(v)) return v.join(',');
  return v;
};
const list = (q: Query, k: string): string[] | undefined => {
  const v = one(q, k);
  if (v === undefined) return undefined;
  const xs = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (!xs.length) throw bad(`${k} is empty`, { parameter: k });
  return xs;
};

export function parseVersionMatch(q: Query): VersionMatch {
  const vs = list(q, 'match[version]') ?? ['last'];
  const m: VersionMatch = { all: false, first: false, last: false, timestamps: [] };
  for (const v of vs) {
    if (v === 'all') m.all = true;
    else if (v === 'first') m.first = true;
    else if (v === 'last') m.last = true;
    else m.timestamps.push(timestamp('match[version]', v));
  }
  return m;
}

export interface PageParams {
  query: Omit<ObjectQuery, 'limit'>;
  limit: number;
}

/** Filters an endpoint supports; others are ignored (§3.5: servers may ignore what they do not support). */
export function parsePageParams(q: Query, allow: { id?: boolean; type?: boolean; version?: boolean }): PageParams {
  const limitRaw = one(q, 'limit');
  let limit = DEFAULT_PAGE;
  if (limitRaw !== undefined) {
    if (!/^\d{1,9}$/.test(limitRaw) || Number(limitRaw) < 1) throw bad('limit must be a positive integer', { parameter: 'limit' });
    limit = Math.min(Number(limitRaw), MAX_PAGE);
  }
  const addedAfter = one(q, 'added_after');
  const next = one(q, 'next');
  const resume = next === undefined ? undefined : decodeNext(next);
  const specVersions = list(q, 'match[spec_version]');
  return {
    limit,
    query: {
      ids: allow.id ? list(q, 'match[id]') : undefined,
      types: allow.type ? list(q, 'match[type]') : undefined,
      versions: allow.version ? parseVersionMatch(q) : { all: true, first: false, last: false, timestamps: [] },
      specVersions,
      addedAfter: addedAfter === undefined ? undefined : timestamp('added_after', addedAfter),
      cursor: resume?.cursor,
      horizon: resume?.horizon,
    },
  };
}

export interface Page<T> {
  items: T[];
  more: boolean;
  next?: string;
  first?: string;
  last?: string;
}

function page<T extends { pk: number; da: string }>(rows: T[], limit: number, horizon: string | undefined): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const lastRow = items[items.length - 1];
  return {
    items,
    more,
    next: more && lastRow ? encodeNext({ da: lastRow.da, pk: lastRow.pk }, horizon) : undefined,
    first: items[0]?.da,
    last: lastRow?.da,
  };
}

/** A page of objects, its envelope rendered: `bytes` is the response body, the headers come from first/last. */
export interface ObjectsEnvelope {
  more: boolean;
  next?: string;
  first?: string;
  last?: string;
  /** The envelope as UTF-8 JSON (`{}` when there is nothing): the body as it goes on the wire. */
  bytes: Buffer;
}

/** Where the page after `p` starts (its last row), or null when none follows. */
const nextCursor = (p: ObjectsPage): Cursor | null => (p.more && p.last && p.lastPk !== null ? { da: p.last, pk: p.lastPk } : null);

/**
 * The envelope around the page's objects: each object is its stored JSON as PostgreSQL wrote it
 * (jsonb → text), spliced in as text — never parsed and re-serialised here, and no zod response schema
 * walks them. The envelope is written straight into one Buffer of its exact UTF-8 length, the
 * Content-Length: ≈ 0.3 ms for a 1,000-object page, against ≈ 0.8 ms to join the objects into one
 * string and encode that (a scratch measurement, intel README, session 7).
 */
function objectsEnvelope(p: ObjectsPage, horizon: string | undefined): ObjectsEnvelope {
  const cursor = nextCursor(p);
  const next = cursor ? encodeNext(cursor, horizon) : undefined;
  return { more: p.more, next, first: p.first ?? undefined, last: p.last ?? undefined, bytes: envelopeBytes(p, next) };
}

function envelopeBytes(p: ObjectsPage, next: string | undefined): Buffer {
  const objects = p.objects;
  if (!objects.length && !p.more) return Buffer.from('{}');
  const head = `{"more":${p.more}${next ? `,"next":"${next}"` : ''},"objects":[`; // ASCII: `next` is base64url
  let size = head.length + 2;
  for (let i = 0; i < objects.length; i++) size += Buffer.byteLength(objects[i]!) + (i ? 2 : 0);
  const bytes = Buffer.allocUnsafe(size);
  let at = bytes.write(head, 0, 'latin1');
  for (let i = 0; i < objects.length; i++) {
    if (i) at = bytes.writeUInt16BE(0x2c0a, at); // ",\n"
    at += bytes.write(objects[i]!, at);
  }
  // allocUnsafe: every byte is written above — checked, so no stale memory can ever be sent.
  if (bytes.write(']}', at, 'latin1') + at !== size) throw new Error('TAXII envelope: encoded size differs from the measured size');
  return bytes;
}

/** A page as the read-ahead keeps it: where the next page starts, and the envelope already rendered. */
interface RenderedPage {
  next: Cursor | null;
  envelope: ObjectsEnvelope;
}

// ---- the service ---------------------------------------------------------------------------------

export interface TaxiiServiceDeps {
  core: Core;
  intelRepo: IntelRepo;
  repo: TaxiiRepo;
  directory: DirectoryService;
}

interface OrgIndex {
  at: number;
  byInbox: Map<string, { id: string; name: string }>;
  hubs: string[];
}

const ORG_INDEX_TTL_MS = 60_000;
const ORG_INDEX_MIN_REFRESH_MS = 1_000;

export function createTaxiiService({ core, intelRepo, repo, directory }: TaxiiServiceDeps) {
  const db = core.database.db;
  const sys = systemActor('taxii');
  let orgIndex: OrgIndex | null = null;
  let loading: Promise<OrgIndex> | null = null;

  /** Organisations by inbox collection id, and the hub organisations; cached, reloaded on a miss. */
  async function orgs(force = false): Promise<OrgIndex> {
    const age = orgIndex ? Date.now() - orgIndex.at : Infinity;
    if (orgIndex && age < ORG_INDEX_TTL_MS && !(force && age > ORG_INDEX_MIN_REFRESH_MS)) return orgIndex;
    loading ??= (async () => {
      const byInbox = new Map<string, { id: string; name: string }>();
      const hubs: string[] = [];
      for (let p = 1; ; p++) {
        const r = await directory.listOrgs(sys, { sort: 'name', page: p, pageSize: 200 });
        for (const o of r.items) {
          byInbox.set(inboxCollectionId(o.id), { id: o.id, name: o.name });
          if (o.kind === 'national_hub') hubs.push(o.id);
        }
        if (p * 200 >= r.total || !r.items.length) break;
      }
      return { at: Date.now(), byInbox, hubs };
    })().finally(() => {
      loading = null;
    });
    orgIndex = await loading;
    return orgIndex;
  }

  function requireTaxii(actor: Actor): void {
    if (actor.kind !== 'anonymous' && !hasScope(actor, 'taxii')) throw forbidden('This API token lacks the taxii scope');
  }

  const isHub = (actor: Actor) => actor.orgKind === 'national_hub';
  const publicInfo = (): CollectionInfo => ({
    id: PUBLIC_COLLECTION_ID,
    title: 'Public (TLP:CLEAR)',
    description: 'Every TLP:CLEAR object in this Rampart. Readable without an account; not writable.',
    alias: 'public',
    can_read: true,
    can_write: false,
    media_types: [STIX_MEDIA_TYPE],
  });
  const inboxInfo = (actor: Actor, org: { id: string; name: string }): CollectionInfo => ({
    id: inboxCollectionId(org.id),
    title: `Inbox: ${org.name}`,
    description: `Reports from ${org.name} to the hub. Posted objects are owned by ${org.name}, shared with the hub organisations, TLP:AMBER unless marked otherwise.`,
    can_read: actor.orgId === org.id || isHub(actor),
    can_write: actor.orgId === org.id && hasRole(actor, 'analyst'),
    media_types: [STIX_MEDIA_TYPE],
  });
  const communityInfo = (actor: Actor, c: { id: string; name: string; description: string }): CollectionInfo => ({
    id: c.id,
    title: c.name,
    description: c.description || `Objects shared with the community ${c.name}`,
    can_read: true,
    can_write: hasRole(actor, 'analyst'),
    media_types: [STIX_MEDIA_TYPE],
  });

  /** The collections this actor may read or write. */
  async function listCollections(actor: Actor): Promise<CollectionInfo[]> {
    requireTaxii(actor);
    const out: CollectionInfo[] = [];
    if (actor.kind !== 'anonymous' && actor.kind !== 'system') {
      if (actor.communityIds.length) {
        const mine = new Set(actor.communityIds);
        for (const c of await directory.listCommunities(sys)) if (mine.has(c.id)) out.push(communityInfo(actor, c));
      }
      const index = await orgs();
      if (actor.orgId) {
        const own = index.byInbox.get(inboxCollectionId(actor.orgId)) ?? (await orgs(true)).byInbox.get(inboxCollectionId(actor.orgId));
        if (own) out.push(inboxInfo(actor, own));
      }
      if (isHub(actor)) {
        for (const o of index.byInbox.values()) if (o.id !== actor.orgId) out.push(inboxInfo(actor, o));
      }
    }
    out.push(publicInfo());
    return out;
  }

  /** The collection `id` as this actor may use it; 401 (anonymous), 403 (no access of that kind) or 404. */
  async function collection(actor: Actor, id: string, need: 'read' | 'write'): Promise<Collection> {
    requireTaxii(actor);
    const lid = id.toLowerCase();
    let c: Collection | null = null;
    if (lid === PUBLIC_COLLECTION_ID) c = { info: publicInfo(), scope: { kind: 'public' } };
    else if (actor.kind === 'anonymous') throw unauthenticated();
    else if (actor.communityIds.includes(lid)) {
      c = { info: communityInfo(actor, { id: lid, name: '', description: '' }), scope: { kind: 'community', communityId: lid } };
    } else if (actor.orgId || isHub(actor)) {
      const own = actor.orgId && inboxCollectionId(actor.orgId) === lid;
      if (own || isHub(actor)) {
        let org = (await orgs()).byInbox.get(lid);
        if (!org) org = (await orgs(true)).byInbox.get(lid);
        if (org) c = { info: inboxInfo(actor, org), scope: { kind: 'inbox', orgId: org.id } };
      }
    }
    if (!c || (!c.info.can_read && !c.info.can_write)) throw notFound();
    if (need === 'read' && !c.info.can_read) throw forbidden('This account may not read this collection');
    if (need === 'write' && !c.info.can_write) throw forbidden('This account may not add objects to this collection');
    return c;
  }

  async function getCollection(actor: Actor, id: string): Promise<CollectionInfo> {
    const c = await collection(actor, id, 'read');
    if (c.scope.kind === 'community') {
      const full = (await directory.listCommunities(sys)).find((x) => x.id === c.info.id);
      if (full) return communityInfo(actor, full);
    }
    return c.info;
  }

  /**
   * Read-ahead: TAXII clients follow `next` page after page, so when a page has more, the next pages'
   * queries start at once — READ_AHEAD_DEPTH of them, one after another — while this page is still on
   * the wire and being parsed. Each is kept for READ_AHEAD_MS under a key made of everything the query
   * depends on — the actor's identity as visibleTo uses it, the collection, the filters, the cursor —
   * and handed to the one request that asks for exactly that page (access to the collection is still
   * checked on that request). Its envelope is rendered as soon as the rows arrive, so the request that
   * takes it only writes the bytes. With one page ahead the server still waited ≈ 2 ms a page for it
   * (the page's query shares two cores with the server and the client); two pages ahead: TAXII
   * README, session 6.
   */
  const readAhead = new Map<string, { at: number; page: Promise<RenderedPage | null> }>();
  let stopping = false;
  const pageKey = (actor: Actor, scope: CollectionScope, query: Omit<ObjectQuery, 'limit'>, limit: number) =>
    JSON.stringify([actor.kind, actor.userId, actor.orgId, actor.orgPath, actor.communityIds, scope, query, limit]);
  const render = (p: ObjectsPage, horizon: string | undefined): RenderedPage => ({ next: nextCursor(p), envelope: objectsEnvelope(p, horizon) });

  async function objectsPage(actor: Actor, scope: CollectionScope, query: Omit<ObjectQuery, 'limit'>, limit: number): Promise<ObjectsEnvelope> {
    const now = Date.now();
    for (const [k, v] of readAhead) if (now - v.at > READ_AHEAD_MS) readAhead.delete(k);
    const key = pageKey(actor, scope, query, limit);
    const ahead = readAhead.get(key);
    readAhead.delete(key);
    const page = (ahead ? await ahead.page : null) ?? render(await repo.objectsPage(actor, scope, query, limit), query.horizon);
    readAheadFrom(actor, scope, query, limit, page.next, READ_AHEAD_DEPTH);
    return page.envelope;
  }

  /**
   * Starts the `depth` pages from `cursor` on, one after another: each page's query starts as soon as
   * the previous page's rows have arrived, before that page's envelope is encoded.
   */
  function readAheadFrom(actor: Actor, scope: CollectionScope, query: Omit<ObjectQuery, 'limit'>, limit: number, cursor: Cursor | null, depth: number): void {
    if (stopping || depth < 1 || !cursor) return;
    const nextQuery = { ...query, cursor };
    const key = pageKey(actor, scope, nextQuery, limit);
    const known = readAhead.get(key)?.page;
    if (known) {
      if (depth > 1) void known.then((p) => p && readAheadFrom(actor, scope, nextQuery, limit, p.next, depth - 1));
      return;
    }
    if (readAhead.size >= READ_AHEAD_MAX) return;
    const rows = repo.objectsPage(actor, scope, nextQuery, limit);
    if (depth > 1) void rows.then((p) => readAheadFrom(actor, scope, nextQuery, limit, nextCursor(p), depth - 1), () => {});
    readAhead.set(key, { at: Date.now(), page: rows.then((p) => render(p, query.horizon), () => null) });
  }

  /** The query with its walk's horizon: the one `next` carried, or a new one for a walk's first page. */
  async function belowHorizon<Q extends Omit<ObjectQuery, 'limit'>>(query: Q): Promise<Q> {
    return query.horizon ? query : { ...query, horizon: await repo.horizon() };
  }

  async function getObjects(actor: Actor, collectionId: string, q: Query): Promise<ObjectsEnvelope> {
    const c = await collection(actor, collectionId, 'read');
    const p = parsePageParams(q, { id: true, type: true, version: true });
    return objectsPage(actor, c.scope, await belowHorizon(p.query), p.limit);
  }

  async function getManifest(actor: Actor, collectionId: string, q: Query) {
    const c = await collection(actor, collectionId, 'read');
    const p = parsePageParams(q, { id: true, type: true, version: true });
    const query = await belowHorizon(p.query);
    return page(await repo.manifest(actor, c.scope, { ...query, limit: p.limit + 1 }), p.limit, query.horizon);
  }

  async function getObject(actor: Actor, collectionId: string, objectId: string, q: Query) {
    const c = await collection(actor, collectionId, 'read');
    const p = parsePageParams(q, { version: true });
    const query = await belowHorizon({ ...p.query, ids: [objectId] });
    const res = await repo.objectsPage(actor, c.scope, query, p.limit);
    if (!res.objects.length && !(await repo.objectExists(actor, c.scope, objectId))) throw notFound('Object');
    return objectsEnvelope(res, query.horizon);
  }

  async function getVersions(actor: Actor, collectionId: string, objectId: string, q: Query) {
    const c = await collection(actor, collectionId, 'read');
    const p = parsePageParams(q, {});
    const query = await belowHorizon({ ...p.query, ids: [objectId] });
    const rows = await repo.manifest(actor, c.scope, { ...query, limit: p.limit + 1 });
    if (!rows.length && !(await repo.objectExists(actor, c.scope, objectId))) throw notFound('Object');
    return page(rows, p.limit, query.horizon);
  }

  /** DELETE an object (match[version] honoured, default: every version): only the owner organisation's analysts. */
  async function deleteObject(actor: Actor, collectionId: string, objectId: string, q: Query): Promise<number> {
    const c = await collection(actor, collectionId, 'read');
    const versions = parseVersionMatch({ 'match[version]': one(q, 'match[version]') ?? 'all' });
    const specVersions = list(q, 'match[spec_version]');
    return withTx(db, async (tx) => {
      const rows = await repo.versionsForDelete(tx, actor, c.scope, objectId, { versions, specVersions });
      if (!rows.length) throw notFound('Object');
      if (!c.info.can_write) throw forbidden('This account may not delete objects from this collection');
      if (!hasRole(actor, 'analyst') || rows.some((r) => r.ownerOrgId === null || r.ownerOrgId !== actor.orgId)) {
        throw forbidden('Only analysts of the organisation that owns an object may delete it');
      }
      const n = await repo.deleteVersions(tx, objectId, rows.map((r) => r.pk));
      await audit(tx, actor, {
        action: 'intel.objects.delete',
        subjectType: 'stix',
        subjectId: objectId,
        details: { via: 'taxii', collectionId: c.info.id, versions: rows.map((r) => r.version), deleted: n },
      });
      return n;
    });
  }

  /** POST an envelope: validated and stored through the one write path; a status resource per request. */
  async function addObjects(actor: Actor, collectionId: string, envelope: unknown): Promise<StatusRow> {
    const c = await collection(actor, collectionId, 'write');
    if (!envelope || typeof envelope !== 'object' || Array.isArray(envelope)) throw bad('The body must be a TAXII envelope: {"objects": [...]}');
    const objects = (envelope as { objects?: unknown }).objects ?? [];
    if (!Array.isArray(objects)) throw bad('envelope.objects must be an array');
    const requestTimestamp = new Date().toISOString().replace('Z', '000Z');
    const share: ShareOptions = { actor, ownerOrgId: actor.orgId, source: 'taxii-post' };
    let audience: { communityIds: string[] };
    if (c.scope.kind === 'community') {
      share.tlp = 'GREEN';
      share.communityIds = [c.scope.communityId];
      audience = { communityIds: [c.scope.communityId] };
    } else if (c.scope.kind === 'inbox') {
      const inboxOrg = c.scope.orgId;
      share.tlp = 'AMBER';
      share.ownerOrgId = inboxOrg;
      share.inboxOrgId = inboxOrg;
      share.communityIds = [];
      share.recipientOrgIds = (await orgs()).hubs.filter((h) => h !== inboxOrg);
      audience = { communityIds: [] };
    } else {
      throw forbidden('The public collection is not writable');
    }
    const successes: StatusDetail[] = [];
    const failures: StatusDetail[] = [];
    for (let i = 0; i < objects.length; i += POST_BATCH) {
      const batch = objects.slice(i, i + POST_BATCH) as unknown[];
      const rows: StoredObjectRow[] = [];
      for (const o of batch) {
        const prepared = prepareObject(o, share, audience);
        if (prepared.ok) rows.push(prepared.row);
        else {
          const rec = o && typeof o === 'object' ? (o as Record<string, unknown>) : {};
          const version = versionOf(rec);
          failures.push({
            id: prepared.id ?? (typeof rec.id === 'string' ? rec.id : '(no id)'),
            ...(version ? { version } : {}),
            message: prepared.errors.map((e) => `${e.rule} at ${e.path}: ${e.message}`).join('; ').slice(0, 2000),
          });
        }
      }
      const inserted = await withTx(db, (tx) => storeRows(tx, intelRepo, share, rows, { via: 'taxii', collectionId: c.info.id }));
      const insertedKeys = new Set(inserted.map((r) => `${r.id}\u0000${r.version}`));
      const others = rows.filter((r) => !insertedKeys.has(`${r.id}\u0000${r.version}`));
      const present = await repo.presentInScope(actor, c.scope, others.map((r) => ({ id: r.id, version: r.version })));
      for (const r of rows) {
        const key = `${r.id}\u0000${r.version}`;
        const version = r.version || undefined;
        if (insertedKeys.has(key)) successes.push({ id: r.id, ...(version ? { version } : {}) });
        else if (present.has(key)) successes.push({ id: r.id, ...(version ? { version } : {}), message: 'already in this collection' });
        else failures.push({ id: r.id, ...(version ? { version } : {}), message: 'this version of the object is already stored and is not shared again' });
      }
    }
    const status: StatusRow = {
      id: randomUUID(),
      status: 'complete',
      requestTimestamp,
      totalCount: objects.length,
      successCount: successes.length,
      failureCount: failures.length,
      pendingCount: 0,
      successes,
      failures,
      pendings: [],
    };
    await repo.insertStatus(db, { ...status, apiRoot: API_ROOT_PATH, collectionId: c.info.id, actorUserId: actor.userId, actorOrgId: actor.orgId });
    return status;
  }

  async function getStatus(actor: Actor, id: string): Promise<StatusRow> {
    requireTaxii(actor);
    if (actor.kind === 'anonymous') throw unauthenticated();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) || !actor.userId) throw notFound('Status');
    const s = await repo.getStatus(id, API_ROOT_PATH, actor.userId);
    if (!s) throw notFound('Status');
    return s;
  }

  /** Waits for read-ahead queries still running (before the database closes); none starts after. */
  async function stop(): Promise<void> {
    stopping = true;
    const pending = [...readAhead.values()].map((v) => v.page);
    readAhead.clear();
    await Promise.all(pending);
  }

  return { stop, listCollections, collection, getCollection, getObjects, getManifest, getObject, getVersions, deleteObject, addObjects, getStatus, orgs, requireTaxii };
}

export type TaxiiService = ReturnType<typeof createTaxiiService>;

/** The TAXII status resource (§4.3.1) from a stored status. */
export function statusResource(s: StatusRow) {
  return {
    id: s.id,
    status: s.status,
    request_timestamp: s.requestTimestamp,
    total_count: s.totalCount,
    success_count: s.successCount,
    successes: s.successes,
    failure_count: s.failureCount,
    failures: s.failures,
    pending_count: s.pendingCount,
    pendings: s.pendings,
  };
}

export type { Tlp };
