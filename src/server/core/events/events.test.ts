import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { withTx } from '../db.ts';
import { publishEvent } from './events.ts';
import { createTestRampart, createWorld, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';
import type { Sharing } from '../access/visibility.ts';

let r: TestRampart;
let w: World;
let port: number;
beforeAll(async () => {
  r = await createTestRampart({ listen: true, config: { PORT: '0' } });
  w = await createWorld(r);
  port = (r.app.server.address() as AddressInfo).port;
});
afterAll(async () => r?.close());

/** Opens an SSE stream as a persona and collects the events' subject ids. */
function listen(p: PersonaKey | null) {
  const got: string[] = [];
  let ready!: () => void;
  const opened = new Promise<void>((res) => (ready = res));
  const req = http.get({ host: '127.0.0.1', port, path: '/api/events/stream?topics=test', headers: p ? { authorization: `Bearer ${w.token[p]}` } : {} }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.includes(': connected')) ready();
      for (const m of buf.matchAll(/data: (.*)\n/g)) {
        const e = JSON.parse(m[1]!) as { subjectId: string };
        if (!got.includes(e.subjectId)) got.push(e.subjectId);
      }
    });
  });
  return { got, opened, close: () => req.destroy() };
}

describe('live events (SSE) obey the visibility rule', () => {
  test('each persona receives exactly the events it may see, after commit only', async () => {
    const personas: (PersonaKey | null)[] = ['AZ_MEMBER', 'MARICOPA_MEMBER', 'FULTON_MEMBER', 'GA_ANALYST', 'CAMPAIGN_MEMBER', 'PLATFORM_ADMIN', null];
    const streams = personas.map((p) => ({ p, s: listen(p) }));
    await Promise.all(streams.map((x) => x.s.opened));
    const cases: Record<string, Sharing> = {
      clear: { ownerOrgId: w.org.HUB, tlp: 'CLEAR', communityIds: [], recipientOrgIds: [], recipientUserIds: [], createdBy: null },
      greenOfficials: { ownerOrgId: w.org.HUB, tlp: 'GREEN', communityIds: [w.community.OFFICIALS], recipientOrgIds: [], recipientUserIds: [], createdBy: null },
      amberAz: { ownerOrgId: w.org.HUB, tlp: 'AMBER', communityIds: [w.community.OFFICIALS], recipientOrgIds: [w.org.STATE_AZ], recipientUserIds: [], createdBy: null },
      strictAz: { ownerOrgId: w.org.HUB, tlp: 'AMBER+STRICT', communityIds: [], recipientOrgIds: [w.org.STATE_AZ], recipientUserIds: [], createdBy: null },
      redGa: { ownerOrgId: w.org.HUB, tlp: 'RED', communityIds: [], recipientOrgIds: [], recipientUserIds: [w.user.GA_ANALYST], createdBy: null },
    };
    // A rolled-back change publishes nothing.
    await expect(withTx(r.core.database.db, async (tx) => {
      await publishEvent(tx, { topic: 'test.rollback', subjectId: 'rolled-back', sharing: cases.clear! });
      throw new Error('abort');
    })).rejects.toThrow('abort');
    for (const [name, sharing] of Object.entries(cases)) {
      await withTx(r.core.database.db, (tx) => publishEvent(tx, { topic: 'test.event', subjectId: name, sharing }));
    }
    await withTx(r.core.database.db, (tx) => publishEvent(tx, { topic: 'test.event', subjectId: 'last', sharing: cases.clear! }));
    // wait until every stream got the final CLEAR event: all earlier ones were delivered or filtered
    for (let i = 0; i < 1000 && !streams.every((x) => x.s.got.includes('last')); i++) await new Promise((res) => setTimeout(res, 10));
    for (const { p, s } of streams) {
      const expected = ['clear'];
      if (p) {
        const actor = await w.actor(p);
        const { canSee } = await import('../access/visibility.ts');
        for (const name of ['greenOfficials', 'amberAz', 'strictAz', 'redGa']) if (canSee(actor, cases[name]!)) expected.push(name);
      }
      expect({ p, got: s.got.filter((g) => g !== 'last') }).toEqual({ p, got: expected });
      s.close();
    }
    // spot-check the rule's outcome, so the test cannot pass on an empty rule either
    expect(streams.find((x) => x.p === 'MARICOPA_MEMBER')!.s.got).toContain('amberAz');
    expect(streams.find((x) => x.p === 'MARICOPA_MEMBER')!.s.got).not.toContain('strictAz');
    expect(streams.find((x) => x.p === 'GA_ANALYST')!.s.got).toContain('redGa');
    expect(streams.find((x) => x.p === 'PLATFORM_ADMIN')!.s.got).toEqual(['clear', 'last']);
  });
});
