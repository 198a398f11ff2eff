import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { sql } from 'kysely';
import { openTestDatabase } from '../../test/db-image.ts';
import type { Database } from '../db.ts';
import { ANONYMOUS, systemActor, type Actor } from './actor.ts';
import { TLP_LEVELS, compareTlp, mayRelabel, type Tlp } from './tlp.ts';
import { canSee, visibleTo, type Sharing } from './visibility.ts';

// A small universe of ids so random actors and records overlap often.
const ORGS = Array.from({ length: 6 }, () => randomUUID());
const USERS = Array.from({ length: 5 }, () => randomUUID());
const COMMUNITIES = Array.from({ length: 4 }, () => randomUUID());

const subset = <T>(xs: T[]) => fc.subarray(xs, { minLength: 0, maxLength: 3 });
const tlpArb = fc.constantFrom(...TLP_LEVELS);
const sharingArb: fc.Arbitrary<Sharing> = fc.record({
  ownerOrgId: fc.option(fc.constantFrom(...ORGS), { nil: null }),
  tlp: tlpArb,
  communityIds: subset(COMMUNITIES),
  recipientOrgIds: subset(ORGS),
  recipientUserIds: subset(USERS),
  createdBy: fc.option(fc.constantFrom(...USERS), { nil: null }),
});
const actorArb: fc.Arbitrary<Actor> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(ANONYMOUS) },
  { weight: 1, arbitrary: fc.constant(systemActor('test')) },
  {
    weight: 8,
    arbitrary: fc
      .record({
        kind: fc.constantFrom('user' as const, 'token' as const),
        userId: fc.constantFrom(...USERS),
        org: fc.option(fc.constantFrom(...ORGS), { nil: null }),
        ancestors: subset(ORGS),
        communityIds: subset(COMMUNITIES),
        platformAdmin: fc.boolean(),
      })
      .map((a) => ({
        kind: a.kind, userId: a.userId, name: 'x', orgId: a.org, orgKind: null,
        orgPath: a.org ? [a.org, ...a.ancestors.filter((o) => o !== a.org)] : [],
        communityIds: a.org ? a.communityIds : [], role: 'member' as const, platformAdmin: a.platformAdmin, scopes: null,
      })),
  },
);

const user = (over: Partial<Actor> = {}): Actor => ({
  kind: 'user', userId: USERS[0]!, name: 'u', orgId: ORGS[0]!, orgKind: null, orgPath: [ORGS[0]!], communityIds: [], role: 'member', platformAdmin: false, scopes: null, ...over,
});
const rec = (over: Partial<Sharing> = {}): Sharing => ({
  ownerOrgId: ORGS[1]!, tlp: 'GREEN', communityIds: [], recipientOrgIds: [], recipientUserIds: [], createdBy: null, ...over,
});

describe('canSee: the TLP 2.0 rule', () => {
  test('CLEAR is public, even to nobody', () => {
    expect(canSee(ANONYMOUS, rec({ tlp: 'CLEAR' }))).toBe(true);
    expect(canSee(ANONYMOUS, rec({ tlp: 'GREEN' }))).toBe(false);
  });
  test('GREEN reaches the communities it is shared with, not others', () => {
    expect(canSee(user({ communityIds: [COMMUNITIES[0]!] }), rec({ communityIds: [COMMUNITIES[0]!] }))).toBe(true);
    expect(canSee(user({ communityIds: [COMMUNITIES[1]!] }), rec({ communityIds: [COMMUNITIES[0]!] }))).toBe(false);
  });
  test('AMBER reaches owner, recipients and the organisations under them, not community peers', () => {
    const amber = rec({ tlp: 'AMBER', communityIds: [COMMUNITIES[0]!], recipientOrgIds: [ORGS[2]!] });
    expect(canSee(user({ orgId: ORGS[1]!, orgPath: [ORGS[1]!] }), amber)).toBe(true);
    expect(canSee(user({ orgId: ORGS[2]!, orgPath: [ORGS[2]!] }), amber)).toBe(true);
    // a county (ORGS[3]) under the recipient state (ORGS[2])
    expect(canSee(user({ orgId: ORGS[3]!, orgPath: [ORGS[3]!, ORGS[2]!] }), amber)).toBe(true);
    expect(canSee(user({ orgId: ORGS[4]!, orgPath: [ORGS[4]!], communityIds: [COMMUNITIES[0]!] }), amber)).toBe(false);
  });
  test('AMBER+STRICT stops at the owner and recipient organisations', () => {
    const strict = rec({ tlp: 'AMBER+STRICT', recipientOrgIds: [ORGS[2]!] });
    expect(canSee(user({ orgId: ORGS[2]!, orgPath: [ORGS[2]!] }), strict)).toBe(true);
    expect(canSee(user({ orgId: ORGS[3]!, orgPath: [ORGS[3]!, ORGS[2]!] }), strict)).toBe(false);
  });
  test('RED is for named people and the author only — not even the owner organisation', () => {
    const red = rec({ tlp: 'RED', ownerOrgId: ORGS[0]!, createdBy: USERS[1]!, recipientUserIds: [USERS[2]!] });
    expect(canSee(user({ userId: USERS[0]! }), red)).toBe(false);
    expect(canSee(user({ userId: USERS[1]! }), red)).toBe(true);
    expect(canSee(user({ userId: USERS[2]!, orgId: ORGS[5]!, orgPath: [ORGS[5]!] }), red)).toBe(true);
  });
  test('a platform admin flag grants nothing', () => {
    expect(canSee(user({ platformAdmin: true, orgId: null, orgPath: [] }), rec({ tlp: 'GREEN', communityIds: [COMMUNITIES[0]!] }))).toBe(false);
  });
  test('tightening a label never widens its audience (property)', () => {
    fc.assert(
      fc.property(actorArb, sharingArb, tlpArb, (actor, s, tighter) => {
        fc.pre(compareTlp(tighter, s.tlp) >= 0);
        expect(mayRelabel(s.tlp, tighter)).toBe(true);
        if (canSee(actor, { ...s, tlp: tighter })) expect(canSee(actor, s)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('visibleTo: the same rule in SQL', () => {
  let database: Database & { drop(): Promise<void> };
  beforeAll(async () => {
    database = await openTestDatabase();
    await sql`CREATE TABLE access_probe (id int PRIMARY KEY, owner_org_id uuid, tlp text NOT NULL, community_ids uuid[] NOT NULL,
      recipient_org_ids uuid[] NOT NULL, recipient_user_ids uuid[] NOT NULL, created_by uuid)`.execute(database.db);
  });
  afterAll(async () => database?.drop());

  test('agrees with canSee for random actors and records (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sharingArb, { minLength: 1, maxLength: 40 }), fc.array(actorArb, { minLength: 1, maxLength: 5 }), async (records, actors) => {
        await sql`DELETE FROM access_probe`.execute(database.db);
        for (const [i, s] of records.entries()) {
          await sql`INSERT INTO access_probe VALUES (${i}, ${s.ownerOrgId}, ${s.tlp}, ${s.communityIds}::uuid[], ${s.recipientOrgIds}::uuid[],
            ${s.recipientUserIds}::uuid[], ${s.createdBy})`.execute(database.db);
        }
        for (const actor of actors) {
          const rows = await sql<{ id: number }>`SELECT id FROM access_probe p WHERE ${visibleTo(actor, 'p')} ORDER BY id`.execute(database.db);
          const expected = records.map((s, i) => (canSee(actor, s) ? i : -1)).filter((i) => i >= 0);
          expect(rows.rows.map((r) => r.id)).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  test('every label is exercised by the generator', () => {
    const seen = new Set<Tlp>(fc.sample(sharingArb, 500).map((s) => s.tlp));
    expect([...seen].sort()).toEqual([...TLP_LEVELS].sort());
  });
});
