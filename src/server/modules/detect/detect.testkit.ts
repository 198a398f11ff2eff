import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Tlp } from '../../core/access/tlp.ts';
import { withTx } from '../../core/db.ts';
import type { PersonaKey, TestRampart, World } from '../../test/harness.ts';
import type { DetectService } from './detect.service.ts';

/** Test helpers for the detect module (imported by its tests only). */
export function detectKit(r: TestRampart, w: World) {
  const service = (r.modules.find((m) => m.name === 'detect') as unknown as { service: DetectService }).service;
  let n = 0;
  return {
    service,
    /** Stores STIX objects as `who` (owner: that persona's organisation) through intel's one write path. */
    async store(who: PersonaKey, tlp: Tlp, objects: Record<string, unknown>[]): Promise<void> {
      const actor = await w.actor(who);
      const res = await withTx(r.core.database.db, (tx) => r.services.intel.store(tx, { actor, ownerOrgId: actor.orgId, tlp, source: 'test' }, objects));
      if (res.rejected.length) throw new Error(JSON.stringify(res.rejected));
    },
    /** Stores an indicator as `who`; answers its id. */
    async indicator(who: PersonaKey, pattern: string, tlp: Tlp = 'CLEAR', name?: string): Promise<string> {
      const id = `indicator--${randomUUID()}`;
      const now = new Date().toISOString();
      await this.store(who, tlp, [{ type: 'indicator', spec_version: '2.1', id, created: now, modified: now, name: name ?? `ind-${++n}`, pattern, pattern_type: 'stix', valid_from: now }]);
      service.cache.clear();
      return id;
    },
    async upload(who: PersonaKey, body: string | Buffer, query = '', contentType = 'text/plain') {
      const res = await w.as(who).post(`/api/detect/uploads${query ? `?${query}` : ''}`, body, { 'content-type': contentType });
      return res;
    },
    async hits(who: PersonaKey, query = '') {
      const res = await w.as(who).get(`/api/detect/hits?limit=500${query ? `&${query}` : ''}`);
      if (res.statusCode !== 200) throw new Error(res.body);
      return res.json().items as { indicatorId: string; lineNo: number; kind: string; value: string; field: string; foundBy: string; sightingId: string | null; indicator: { name: string | null }; related: { id: string; type: string; name: string | null; via: string | null }[] }[];
    },
    async events(topic: string) {
      return (await sql<{ payload: Record<string, unknown>; recipient_org_ids: string[]; tlp: string; owner_org_id: string }>`SELECT payload, recipient_org_ids, tlp, owner_org_id FROM events WHERE topic = ${topic} ORDER BY id`.execute(r.core.database.db)).rows;
    },
  };
}

/** Polls `check` until it answers a value: a bounded loop, 50 ms between rounds (a poll interval, not a wait for correctness). */
export async function until<T>(check: () => Promise<T | null | undefined | false>, rounds = 600): Promise<T> {
  for (let i = 0; i < rounds; i++) {
    const v = await check();
    if (v) return v;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('condition not reached');
}
