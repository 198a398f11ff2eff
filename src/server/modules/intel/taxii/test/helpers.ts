import { randomUUID } from 'node:crypto';
import { systemActor } from '../../../../core/access/actor.ts';
import { withTx } from '../../../../core/db.ts';
import type { Rampart } from '../../../../boot.ts';
import { createIntelRepo } from '../../intel.repo.ts';
import { prepareObject, storeRows, type ShareOptions } from '../../intel.store.ts';

export const T0 = '2026-01-01T00:00:00.000Z';

export function indicator(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: T0,
    modified: T0,
    name: `indicator ${n}`,
    pattern: `[ipv4-addr:value = '198.51.100.${n % 250}']`,
    pattern_type: 'stix',
    valid_from: T0,
    ...over,
  };
}

export function malware(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'malware', spec_version: '2.1', id: `malware--${randomUUID()}`, created: T0, modified: T0, name: `malware ${n}`, is_family: true, ...over };
}

/** Stores objects through the one write path as a system actor with the given sharing. */
export async function store(r: Rampart, objects: Record<string, unknown>[], share: Partial<ShareOptions> & { ownerOrgId: string | null }) {
  const repo = createIntelRepo(r.core.database.db);
  const s: ShareOptions = { actor: systemActor('test'), source: 'test', communityIds: [], ...share };
  const rows = objects.map((o) => {
    const p = prepareObject(o, s, { communityIds: s.communityIds ?? [] });
    if (!p.ok) throw new Error(`invalid test object: ${JSON.stringify(p.errors)}`);
    return p.row;
  });
  return withTx(r.core.database.db, (tx) => storeRows(tx, repo, s, rows));
}

export const TAXII = 'application/taxii+json;version=2.1';
export const H = { accept: TAXII };
