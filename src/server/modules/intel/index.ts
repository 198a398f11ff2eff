import type { Core, RampartModule } from '../../core/module.ts';
import type { DirectoryService } from '../directory/index.ts';
import { createIntelRepo, type IntelRepo } from './intel.repo.ts';
import { createIndicatorFeedRepo, type IndicatorFeedRow } from './indicator-feed.repo.ts';
import { prepareObject, storeRows, type ShareOptions } from './intel.store.ts';
import type { Actor } from '../../core/access/actor.ts';
import type { Tx } from '../../core/db.ts';
import type { StixIssue } from '../../../lib/stix/index.ts';
import { intelApi } from './intel.routes.ts';
import { taxiiModule } from './taxii/index.ts';

export { prepareObject, storeRows, patternKeys, DEFAULT_TLP, type ShareOptions } from './intel.store.ts';
/** The STIX identity id of an organisation (created_by_ref, where_sighted_refs). */
export { orgIdentityId } from './intel.service.ts';
export type { IntelRepo } from './intel.repo.ts';
export type { IndicatorFeedRow } from './indicator-feed.repo.ts';
export { createIntelPicture, type IntelPicture } from './intel.picture.repo.ts';

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
    stop: async () => {
      await api.stop?.();
      await taxii.stop?.();
    },
  };
}
