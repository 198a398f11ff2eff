import { validateStixObject, jsonPath, tlpOfObject, applyTlp, observableKeysOfSco, isScoType, normaliseDomain, normaliseEmail, normaliseHash, normaliseIp, normaliseUrl, type StixIssue } from '../../../lib/stix/index.ts';
import { parsePattern, extractObservableValuesDetailed, PatternSyntaxError } from '../../../lib/stix-pattern/index.ts';
import type { Actor } from '../../core/access/actor.ts';
import { compareTlp, type Tlp } from '../../core/access/tlp.ts';
import type { Sharing } from '../../core/access/visibility.ts';
import { audit } from '../../core/audit/audit.ts';
import { publishEvent } from '../../core/events/events.ts';
import type { Tx } from '../../core/db.ts';
import { planInsert, type InsertPlan, type IntelRepo, type StoredObjectRow } from './intel.repo.ts';

/**
 * The one write path into the STIX store. Every ingest route (API, UI, TAXII POST, TAXII client,
 * MISP, CSV, sightings) prepares objects here and stores them in batches:
 *   - validation: the official STIX 2.1 JSON schemas plus the rules they miss (src/lib/stix), and
 *     indicator patterns parsed by the full STIX patterning parser (src/lib/stix-pattern);
 *   - TLP: an object's TLP follows its object_marking_refs; the sharer may tighten it (the stored
 *     object then carries the tighter TLP 2.0 marking), never loosen it;
 *   - sharing: owner organisation, communities (default: the owner's), recipients;
 *   - correlation keys: normalised observable values from SCOs and indicator patterns.
 */
export interface ShareOptions {
  actor: Actor;
  ownerOrgId: string | null;
  /** Requested TLP; an object marked stricter keeps its own. Unmarked objects with no request: AMBER. */
  tlp?: Tlp;
  communityIds?: string[];
  recipientOrgIds?: string[];
  recipientUserIds?: string[];
  source: string;
  inboxOrgId?: string | null;
}

export type Prepared = { ok: true; row: StoredObjectRow } | { ok: false; id: string | null; errors: StixIssue[] };

export const DEFAULT_TLP: Tlp = 'AMBER';

const ts = (v: unknown): Date | null => (typeof v === 'string' ? new Date(v) : null);

function searchText(o: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of ['name', 'description', 'pattern', 'value', 'path', 'body', 'content', 'abstract', 'opinion', 'explanation', 'subject', 'display_name', 'user_id', 'account_login']) {
    const v = o[k];
    if (typeof v === 'string') parts.push(v);
  }
  for (const k of ['labels', 'aliases', 'goals', 'roles', 'sectors']) {
    const v = o[k];
    if (Array.isArray(v)) parts.push(v.filter((x) => typeof x === 'string').join(' '));
  }
  const hashes = o.hashes;
  if (hashes && typeof hashes === 'object') parts.push(Object.values(hashes as Record<string, unknown>).filter((x) => typeof x === 'string').join(' '));
  return parts.join(' ');
}

/** Normalised observable keys an indicator's pattern names (only simple value comparisons). */
export function patternKeys(pattern: string): string[] {
  try {
    return patternKeysOf(parsePattern(pattern));
  } catch {
    return [];
  }
}

/** patternKeys of an already parsed pattern (prepareObject parses each pattern once, for both uses). */
function patternKeysOf(ast: ReturnType<typeof parsePattern>): string[] {
  let values;
  try {
    values = extractObservableValuesDetailed(ast).values;
  } catch {
    return [];
  }
  const keys: string[] = [];
  for (const v of values) {
    const val = String(v.value);
    let k: string | null = null;
    switch (v.type) {
      case 'ipv4-addr':
      case 'ipv6-addr': {
        const n = normaliseIp(val);
        k = n ? `${v.type}:${n}` : null;
        break;
      }
      case 'domain-name': {
        const n = normaliseDomain(val);
        k = n ? `domain-name:${n}` : null;
        break;
      }
      case 'url': {
        const n = normaliseUrl(val);
        k = n ? `url:${n}` : null;
        break;
      }
      case 'email-addr': {
        const n = normaliseEmail(val);
        k = n ? `email-addr:${n}` : null;
        break;
      }
      case 'file': {
        const n = v.algorithm ? normaliseHash(v.algorithm, val) : null;
        k = n ? `file:${n.algorithm}:${n.value}` : null;
        break;
      }
    }
    if (k) keys.push(k);
  }
  return keys;
}

/** JSON text without raw newlines (only whitespace can hold them in valid JSON): one object per line for the store's batch. */
const rawJson = (text: string) => (text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, ' ') : text);

/**
 * The JSON text to store for `object`, derived from `text` (the JSON of `obj`) without serialising the
 * object again: `text` itself when the object is stored unchanged, or `text` with the TLP marking
 * appended when applyTlp only added object_marking_refs to an object that had none (key order does
 * not matter to jsonb). Otherwise nothing (the store serialises the object).
 */
function storedText(text: string, obj: Record<string, unknown>, object: Record<string, unknown>): { json?: string } {
  if (object === obj) return { json: rawJson(text) };
  if (!Object.hasOwn(obj, 'object_marking_refs') && text.charCodeAt(text.length - 1) === 0x7d && 'type' in obj) {
    return { json: rawJson(`${text.slice(0, -1)},"object_marking_refs":${JSON.stringify(object.object_marking_refs)}}`) };
  }
  return {};
}

/** Path of the first string or property name holding U+0000, or null (no allocation when there is none). */
function nulPath(root: unknown): (string | number)[] | null {
  const at: (string | number)[] = [];
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') return v.includes('\0');
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (walk(v[i])) return at.unshift(i) > 0;
      }
      return false;
    }
    if (v && typeof v === 'object') {
      for (const k in v) {
        if (k.includes('\0') || walk((v as Record<string, unknown>)[k])) return at.unshift(k) > 0;
      }
    }
    return false;
  };
  return walk(root) ? at : null;
}

export function versionOf(o: Record<string, unknown>): string {
  if (typeof o.modified === 'string') return o.modified;
  if (typeof o.created === 'string') return o.created;
  return '';
}

/**
 * Validates one object and prepares its row. `text`, when given, is the object's own JSON text (an
 * element of an ingested bundle): stored as is when the object is stored unchanged, which spares a
 * JSON.stringify per object (the database parses it into jsonb either way).
 */
export function prepareObject(input: unknown, share: ShareOptions, audience: { communityIds: string[] }, text?: string): Prepared {
  // The validator's parse of the pattern is kept for the correlation keys (one parse per indicator).
  let parsed: { pattern: string; ast: ReturnType<typeof parsePattern> } | null = null;
  const keepingValidator = (p: string) => {
    try {
      parsed = { pattern: p, ast: parsePattern(p) };
      return { ok: true as const };
    } catch (e) {
      if (e instanceof PatternSyntaxError) return { ok: false as const, message: e.message };
      throw e;
    }
  };
  // Warnings are not reported by the store: skip the work only they need.
  const result = validateStixObject(input, { patternValidator: keepingValidator, warnings: false });
  const obj = input as Record<string, unknown>;
  const id = typeof obj?.id === 'string' ? obj.id : null;
  if (!result.ok) return { ok: false, id, errors: result.errors };
  // PostgreSQL text and jsonb cannot hold U+0000: refuse the object here rather than fail its whole batch.
  // (JSON writes it only as the escape \u0000, so an element's text without one needs no walk.)
  const nul = text === undefined || text.includes('\\u0000') ? nulPath(obj) : null;
  if (nul) return { ok: false, id, errors: [{ rule: 'nul-character', path: jsonPath(nul), message: 'contains the character U+0000, which cannot be stored' }] };
  const own = obj.type === 'marking-definition' ? 'CLEAR' : (tlpOfObject(obj) as Tlp | null);
  let tlp: Tlp = share.tlp ?? own ?? DEFAULT_TLP;
  if (own && compareTlp(own, tlp) > 0) tlp = own; // never loosen
  const object = obj.type === 'marking-definition' || own === tlp ? obj : (applyTlp(obj, tlp) as Record<string, unknown>);
  let observableKeys: string[] = [];
  try {
    const kept = parsed as { pattern: string; ast: ReturnType<typeof parsePattern> } | null;
    observableKeys = isScoType(String(obj.type))
      ? observableKeysOfSco(obj)
      : obj.type === 'indicator' && obj.pattern_type === 'stix'
        ? kept && kept.pattern === obj.pattern ? patternKeysOf(kept.ast) : patternKeys(String(obj.pattern))
        : [];
  } catch {
    observableKeys = [];
  }
  // An ingested element's own text is stored: the parsed tree is then not kept in the row (it would live,
  // and be promoted by the garbage collector, as long as its batch).
  const stored = text !== undefined ? storedText(text, obj, object) : {};
  return {
    ok: true,
    row: {
      id: id!,
      type: String(obj.type),
      specVersion: typeof obj.spec_version === 'string' ? obj.spec_version : '2.1',
      version: versionOf(obj),
      created: ts(obj.created),
      modified: ts(obj.modified),
      createdByRef: typeof obj.created_by_ref === 'string' ? obj.created_by_ref : null,
      revoked: obj.revoked === true,
      confidence: typeof obj.confidence === 'number' ? obj.confidence : null,
      name: typeof obj.name === 'string' ? obj.name.slice(0, 1000) : typeof obj.value === 'string' ? obj.value.slice(0, 1000) : null,
      ownerOrgId: share.ownerOrgId,
      tlp,
      communityIds: share.communityIds ?? audience.communityIds,
      recipientOrgIds: share.recipientOrgIds ?? [],
      recipientUserIds: share.recipientUserIds ?? [],
      createdBy: share.actor.userId,
      source: share.source,
      inboxOrgId: share.inboxOrgId ?? null,
      ...(stored.json !== undefined ? { json: stored.json } : { object }),
      searchText: searchText(object),
      observableKeys,
    },
  };
}

/**
 * Stores prepared rows (or their insert plan, built ahead: planInsert) in one transaction, with their
 * audit entry and one live event per TLP.
 */
export async function storeRows(tx: Tx, repo: IntelRepo, share: ShareOptions, toStore: StoredObjectRow[] | InsertPlan, details: Record<string, unknown> = {}) {
  const plan = Array.isArray(toStore) ? planInsert(toStore) : toStore;
  const rows = plan.rows;
  const inserted = await repo.insertObjects(tx, plan);
  if (inserted.length) {
    await audit(tx, share.actor, { action: 'intel.objects.add', subjectType: 'stix', subjectId: inserted.length === 1 ? inserted[0]!.id : undefined, details: { source: share.source, count: inserted.length, ...details } });
    const byTlp = new Map<Tlp, StoredObjectRow[]>();
    for (const i of [...inserted].sort((a, b) => a.index - b.index)) {
      const r = rows[i.index]!;
      const group = byTlp.get(r.tlp);
      if (group) group.push(r);
      else byTlp.set(r.tlp, [r]);
    }
    for (const [tlp, group] of byTlp) {
      const first = group[0]!;
      const sharing: Sharing = { ownerOrgId: first.ownerOrgId, tlp, communityIds: first.communityIds, recipientOrgIds: first.recipientOrgIds, recipientUserIds: first.recipientUserIds, createdBy: first.createdBy };
      await publishEvent(tx, {
        topic: 'intel.objects.added',
        subjectId: group.length === 1 ? first.id : undefined,
        sharing,
        payload: { count: group.length, source: share.source, objects: group.slice(0, 20).map((g) => ({ id: g.id, type: g.type, name: g.name })) },
      });
    }
  }
  return inserted;
}
