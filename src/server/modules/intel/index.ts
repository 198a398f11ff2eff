import type { Core, RampartModule } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import { createIntelRepo, type IntelRepo } from './intel.repo.ts';
import { createIndicatorFeedRepo, type IndicatorFeedRow } from './indicator-feed.repo.ts';
import { prepareObject, storeRows, type ShareOptions } from './intel.store.ts';
import type { Actor } from '../../core/access/actor.ts';
import type { Tx } from '../../core/db.ts';
import type { StixIssue } from '../../../lib/stix/index.ts';
import { intelApi } from './intel.routes.ts';
import { ensureOrgIdentity } from './intel.service.ts';
import { taxiiModule } from './taxii/index.ts';

export { prepareObject, storeRows, patternKeys, DEFAULT_TLP, type ShareOptions } from './intel.store.ts';
/** The STIX identity id of an organisation (created_by_ref, where_sighted_refs). */
export { orgIdentityId } from './intel.service.ts';
export type { IntelRepo } from './intel.repo.ts';
export type { IndicatorFeedRow } from './indicator-feed.repo.ts';
export { createIntelPicture, type IntelPicture } from './intel.picture.repo.ts';

/** A campaign, intrusion set or threat actor related to an indicator (`IntelPublic.relatedOf`). */
export interface RelatedObject {
  id: string;
  type: 'campaign' | 'intrusion-set' | 'threat-actor';
  name: string | null;
  /** The campaign through which an intrusion set / threat actor is related (campaign attributed-to actor), else null. */
  via: string | null;
}

const RELATED_TYPES = new Set(['campaign', 'intrusion-set', 'threat-actor']);
const ACTOR_TYPES = new Set(['intrusion-set', 'threat-actor']);
/** relatedOf looks at most this many indicators per call (a page of hits). */
export const RELATED_MAX_IDS = 500;

/**
 * What other modules may use of intel (detection, alerts, incidents): store STIX objects they build
 * (sightings, advisories as reports, incident indicators) inside their own transaction, read what an
 * actor may see, and stream the indicators an actor may see. Nothing else of intel is theirs to touch.
 */
export interface IntelPublic {
  /** Validates and stores objects in `tx` (same rules as every ingest); answers what went in and what was rejected. */
  store(tx: Tx, share: ShareOptions, objects: Record<string, unknown>[]): Promise<{ inserted: string[]; rejected: { id: string | null; errors: StixIssue[] }[] }>;
  /** The latest version of an object if the actor may see it, else null. */
  getVisible(actor: Actor, id: string): Promise<Record<string, unknown> | null>;
  /** The actor's visible, unrevoked indicators, in pk order (for building detection indexes). */
  indicators(actor: Actor, opts?: { since?: Date; pageSize?: number }): AsyncIterable<IndicatorFeedRow>;
  /**
   * The organisation's identity object (created_by_ref, where_sighted_refs of what a module builds for it):
   * stored in `tx` (CLEAR, owned by the organisation) when intel does not hold it or its name changed; answers its id.
   */
  ensureOrgIdentity(tx: Tx, actor: Actor, orgId: string): Promise<string>;
  /**
   * For each indicator id (at most RELATED_MAX_IDS), the campaigns, intrusion sets and threat actors it
   * `indicates`, and the intrusion sets / threat actors those campaigns are `attributed-to`. Only what the actor
   * may see: a relationship or an object hidden from the actor (or revoked) is left out, never hinted at.
   */
  relatedOf(actor: Actor, indicatorIds: string[]): Promise<Map<string, RelatedObject[]>>;
}

export interface IntelDeps {
  core: Core;
  repo: IntelRepo;
  directory: DirectoryService;
}

/**
 * Threat information sharing: the STIX 2.1 store (intel.repo / intel.store), its REST API and ingest
 * jobs (intel.routes and friends), and the TAXII 2.1 server and client (taxii/).
 */
export function createIntelPublic(core: Core, repo: IntelRepo): IntelPublic {
  const feed = createIndicatorFeedRepo(core.database.db);
  return {
    async store(tx, share, objects) {
      const rejected: { id: string | null; errors: StixIssue[] }[] = [];
      const rows = [];
      for (const o of objects) {
        const p = prepareObject(o, share, { communityIds: share.actor.communityIds });
        if (p.ok) rows.push(p.row);
        else rejected.push({ id: p.id, errors: p.errors });
      }
      const inserted = await storeRows(tx, repo, share, rows);
      return { inserted: inserted.map((i) => i.id), rejected };
    },
    async getVisible(actor, id) {
      return (await repo.getLatest(actor, id))?.object ?? null;
    },
    ensureOrgIdentity(tx, actor, orgId) {
      return ensureOrgIdentity(repo, tx, actor, orgId);
    },
    async relatedOf(actor, indicatorIds) {
      const ids = [...new Set(indicatorIds)].slice(0, RELATED_MAX_IDS);
      const result = new Map<string, RelatedObject[]>(ids.map((id) => [id, []]));
      // relationships of one kind from any of `sources` to targets of the given types (latest, visible, not revoked): one statement
      const targetsOf = async (sources: string[], kind: string, types: Set<string>): Promise<Map<string, string[]>> => {
        const out = new Map<string, string[]>();
        for (const { source, target } of await repo.relationshipTargets(actor, sources, kind, [...types])) {
          if (!out.has(source)) out.set(source, []);
          out.get(source)!.push(target);
        }
        return out;
      };
      const visible = async (refs: string[]) =>
        new Map((await repo.latestOf(actor, [...new Set(refs)])).filter((r) => r.object.revoked !== true && RELATED_TYPES.has(r.type)).map((r) => [r.id, r] as const));
      // four statements whatever the number of indicators: direct links, their objects, campaign attributions, their objects
      const direct = await targetsOf(ids, 'indicates', RELATED_TYPES);
      const objects = await visible([...direct.values()].flat());
      const campaigns = [...objects.values()].filter((o) => o.type === 'campaign').map((o) => o.id);
      const attributed = await targetsOf(campaigns, 'attributed-to', ACTOR_TYPES);
      const actors = await visible([...attributed.values()].flat());
      const view = (id: string, via: string | null): RelatedObject | null => {
        const o = (via ? actors : objects).get(id);
        if (!o) return null;
        const name = typeof o.object.name === 'string' ? o.object.name.slice(0, 1000) : null;
        return { id, type: o.type as RelatedObject['type'], name, via };
      };
      for (const [indicatorId, targets] of direct) {
        const out = result.get(indicatorId)!;
        const seen = new Set<string>();
        const add = (r: RelatedObject | null) => {
          if (r && !seen.has(r.id)) {
            seen.add(r.id);
            out.push(r);
          }
        };
        for (const t of targets) add(view(t, null));
        for (const t of targets) for (const a of attributed.get(t) ?? []) if (objects.has(t)) add(view(a, t));
        out.sort((x, y) => x.type.localeCompare(y.type) || (x.name ?? '').localeCompare(y.name ?? '') || x.id.localeCompare(y.id));
      }
      return result;
    },
    async *indicators(actor, opts = {}) {
      let after = 0;
      for (;;) {
        const page = await feed.page(actor, after, opts.pageSize ?? 5000, opts.since);
        if (!page.length) return;
        yield* page;
        after = page[page.length - 1]!.pk;
      }
    },
  };
}

export function createIntelModule(core: Core, directory: DirectoryService): RampartModule & { public: IntelPublic } {
  const deps: IntelDeps = { core, repo: createIntelRepo(core.database.db), directory };
  const api = intelApi(deps);
  const taxii = taxiiModule(deps);
  return {
    name: 'intel',
    public: createIntelPublic(core, deps.repo),
    routes: api.routes,
    rootRoutes: taxii.rootRoutes,
    referenceData: taxii.referenceData,
    rotateSecrets: async () => [...(await taxii.rotateSecrets()), await api.rotateSecrets()],
    stop: async () => {
      await api.stop?.();
      await taxii.stop?.();
    },
  };
}
