import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startRampart, type Rampart, type StartOptions } from '../boot.ts';
import { systemActor, type Actor, type Role } from '../core/access/actor.ts';
import { canSee, type Sharing } from '../core/access/visibility.ts';
import type { Mailer } from '../core/mail.ts';
import { openTestDatabase, testConfig } from './db-image.ts';
import { sql } from 'kysely';
import { createAuthResolver } from '../modules/auth/auth.resolver.ts';
import { createAuthRepo } from '../modules/auth/auth.repo.ts';
import type { OrgKind } from '../modules/directory/index.ts';

/**
 * The module-test harness: a Rampart on its own fresh database (a copy of the test image), driven
 * through app.inject (no port). `world` adds a small directory of organisations and personas, each
 * with an API token, so a test reads `await t.as('GREEN_PARTNER').get('/api/…')`.
 */
export interface TestRampart extends Rampart {
  close(): Promise<void>;
}

export async function createTestRampart(opts: { config?: Record<string, string>; workers?: boolean; mailer?: Mailer } & Pick<StartOptions, 'listen'> = {}): Promise<TestRampart> {
  const database = await openTestDatabase();
  const config = testConfig(opts.config);
  const r = await startRampart({ config, database, listen: opts.listen ?? false, workers: opts.workers ?? false, mailer: opts.mailer ?? nullMailer(), migrate: false });
  return {
    ...r,
    async close() {
      await r.close();
      await database.drop();
    },
  };
}

/** A mailer that keeps messages in memory (tests that need real SMTP start smtp-server instead). */
export function nullMailer(): Mailer & { sent: { to: string | string[]; subject: string; text: string }[] } {
  const sent: { to: string | string[]; subject: string; text: string }[] = [];
  return {
    mode: 'outbox',
    sent,
    async send(m) {
      sent.push(m);
      return { messageId: `<${sent.length}@test>` };
    },
    close() {},
  };
}

export const TEST_PASSWORD = 'correct horse battery staple';

export const ORGS = {
  HUB: { kind: 'national_hub', communities: ['ALL', 'OFFICIALS', 'CAMPAIGNS', 'VENDORS'] },
  STATE_AZ: { kind: 'state_election_office', fips: '04', communities: ['ALL', 'OFFICIALS'] },
  COUNTY_MARICOPA: { kind: 'local_election_office', fips: '04013', parent: 'STATE_AZ', communities: ['ALL', 'OFFICIALS'] },
  STATE_GA: { kind: 'state_election_office', fips: '13', communities: ['ALL', 'OFFICIALS'] },
  COUNTY_FULTON: { kind: 'local_election_office', fips: '13121', parent: 'STATE_GA', communities: ['ALL', 'OFFICIALS'] },
  CAMPAIGN: { kind: 'campaign', communities: ['ALL', 'CAMPAIGNS'] },
  VENDOR: { kind: 'election_vendor', communities: ['ALL', 'VENDORS'] },
  FEDERAL: { kind: 'federal_partner', communities: ['ALL', 'OFFICIALS'] },
  LAW: { kind: 'law_enforcement', communities: [] },
} as const satisfies Record<string, { kind: OrgKind; fips?: string; parent?: string; communities: readonly string[] }>;
export type OrgKey = keyof typeof ORGS;
export const COMMUNITIES = ['ALL', 'OFFICIALS', 'CAMPAIGNS', 'VENDORS'] as const;
export type CommunityKey = (typeof COMMUNITIES)[number];

export const PERSONAS = {
  HUB_ANALYST: { org: 'HUB', role: 'analyst' },
  HUB_ADMIN: { org: 'HUB', role: 'org_admin' },
  PLATFORM_ADMIN: { org: null, role: null, platformAdmin: true },
  AZ_ANALYST: { org: 'STATE_AZ', role: 'analyst' },
  AZ_MEMBER: { org: 'STATE_AZ', role: 'member' },
  MARICOPA_ADMIN: { org: 'COUNTY_MARICOPA', role: 'org_admin' },
  MARICOPA_MEMBER: { org: 'COUNTY_MARICOPA', role: 'member' },
  GA_ANALYST: { org: 'STATE_GA', role: 'analyst' },
  FULTON_MEMBER: { org: 'COUNTY_FULTON', role: 'member' },
  CAMPAIGN_MEMBER: { org: 'CAMPAIGN', role: 'member' },
  VENDOR_ANALYST: { org: 'VENDOR', role: 'analyst' },
  FEDERAL_ANALYST: { org: 'FEDERAL', role: 'analyst' },
  LAW_MEMBER: { org: 'LAW', role: 'member' },
} as const satisfies Record<string, { org: OrgKey | null; role: Role | null; platformAdmin?: boolean }>;
export type PersonaKey = keyof typeof PERSONAS;
export const PERSONA_KEYS = Object.keys(PERSONAS) as PersonaKey[];

type Body = InjectOptions['payload'];
export interface Client {
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(url: string, body?: Body, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  patch(url: string, body?: Body, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  delete(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export interface World {
  org: Record<OrgKey, string>;
  community: Record<CommunityKey, string>;
  user: Record<PersonaKey, string>;
  email: Record<PersonaKey, string>;
  token: Record<PersonaKey, string>;
  /** The actor the server builds for this persona's token. */
  actor(p: PersonaKey): Promise<Actor>;
  as(p: PersonaKey): Client;
  anonymous: Client;
  /** The personas for which canSee(actor, sharing) holds: what every read path must agree with. */
  expectedViewers(sharing: Sharing): Promise<Set<PersonaKey>>;
}

export function client(r: Rampart, headers: Record<string, string> = {}): Client {
  const send = (method: InjectOptions['method'], url: string, payload?: Body, h: Record<string, string> = {}) =>
    r.app.inject({ method, url, payload, headers: { ...headers, ...h } });
  return {
    get: (url, h) => send('GET', url, undefined, h),
    post: (url, body, h) => send('POST', url, body ?? {}, h),
    patch: (url, body, h) => send('PATCH', url, body ?? {}, h),
    delete: (url, h) => send('DELETE', url, undefined, h),
  };
}

/** Builds the directory of ORGS and PERSONAS, each persona with a token carrying every scope its role allows. */
export async function createWorld(r: Rampart): Promise<World> {
  const sys = systemActor('test-world');
  const { directory, auth } = r.services;
  const community = {} as Record<CommunityKey, string>;
  for (const c of COMMUNITIES) community[c] = (await directory.createCommunity(sys, `${c} community`, '')).id;
  const org = {} as Record<OrgKey, string>;
  for (const [key, o] of Object.entries(ORGS) as [OrgKey, (typeof ORGS)[OrgKey]][]) {
    const created = await directory.createOrg(sys, {
      name: `${key} org`, kind: o.kind, parentId: 'parent' in o ? org[o.parent as OrgKey] : null, jurisdictionFips: 'fips' in o ? o.fips : null,
      website: null, description: '', contacts: [{ name: `${key} duty officer`, role: 'duty', phone: '+1 555 0100', email: `duty@${key.toLowerCase().replace(/_/g, '-')}.test`, is24x7: true }],
      communityIds: o.communities.map((c) => community[c]),
    });
    org[key] = created.id;
  }
  const user = {} as Record<PersonaKey, string>;
  const email = {} as Record<PersonaKey, string>;
  const token = {} as Record<PersonaKey, string>;
  for (const [key, p] of Object.entries(PERSONAS) as [PersonaKey, (typeof PERSONAS)[PersonaKey]][]) {
    email[key] = `${key.toLowerCase().replace(/_/g, '-')}@personas.test`;
    user[key] = await auth.createUser(sys, {
      email: email[key], name: key, password: TEST_PASSWORD, platformAdmin: 'platformAdmin' in p ? p.platformAdmin : false,
      memberships: p.org ? [{ orgId: org[p.org], role: p.role! }] : [],
    });
  }
  // Tokens are created as the person (the service refuses tokens for orgs one is not a member of).
  for (const key of PERSONA_KEYS) {
    const p = PERSONAS[key];
    const me: Actor = { kind: 'user', userId: user[key], name: key, orgId: p.org ? org[p.org] : null, orgKind: null, orgPath: [], communityIds: [], role: p.role, platformAdmin: 'platformAdmin' in p, scopes: null };
    if (!p.org) {
      // A platform admin without an organisation: a token needs an organisation, so give it a bare one.
      const bare = await directory.createOrg(sys, { name: `${key} home`, kind: 'national_hub', parentId: null, jurisdictionFips: null, website: null, description: '', contacts: [], communityIds: [] });
      await addMembership(r, user[key], bare.id);
      me.orgId = bare.id;
    }
    const scopes = p.role === 'org_admin' || ('platformAdmin' in p && p.platformAdmin) ? (['read', 'write', 'taxii', 'admin'] as const) : (['read', 'write', 'taxii'] as const);
    token[key] = (await auth.createToken(me, { name: 'test', scopes: [...scopes], orgId: me.orgId! })).token;
  }
  const resolver = createAuthResolver(createAuthRepo(r.core.database), r.core.clock);
  const resolve = async (p: PersonaKey) => (await resolver.resolve({ headers: { authorization: `Bearer ${token[p]}` }, cookies: {} } as never)).actor;
  return {
    org, community, user, email, token,
    actor: resolve,
    as: (p) => client(r, { authorization: `Bearer ${token[p]}` }),
    anonymous: client(r),
    async expectedViewers(sharing) {
      const out = new Set<PersonaKey>();
      for (const p of PERSONA_KEYS) if (canSee(await resolve(p), sharing)) out.add(p);
      return out;
    },
  };
}

async function addMembership(r: Rampart, userId: string, orgId: string): Promise<void> {
  await sql`INSERT INTO memberships (user_id, org_id, role) VALUES (${userId}, ${orgId}, 'org_admin')`.execute(r.core.database.db);
}

/**
 * The reusable access check: for a record with `sharing`, `read(persona)` performs one read path
 * (list, get, search, export, TAXII, feed…) and says whether the persona saw the record. Returns the
 * personas whose result differs from the one visibility rule; a test asserts the list is empty.
 */
export async function accessMismatches(world: World, sharing: Sharing, read: (p: PersonaKey) => Promise<boolean>): Promise<{ persona: PersonaKey; expected: boolean; actual: boolean }[]> {
  const expected = await world.expectedViewers(sharing);
  const out: { persona: PersonaKey; expected: boolean; actual: boolean }[] = [];
  for (const p of PERSONA_KEYS) {
    const actual = await read(p);
    if (actual !== expected.has(p)) out.push({ persona: p, expected: expected.has(p), actual });
  }
  return out;
}
