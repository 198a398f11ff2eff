import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemActor } from '../../core/access/actor.ts';
import { TEST_PASSWORD, createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';

/** Who may be assigned: auth's public member query, the assignees endpoint, and the same rule on assign and task owners. */
let r: TestRampart;
let w: World;
let id = '';
let disabledAnalyst = '';

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  disabledAnalyst = await r.services.auth.createUser(systemActor('test'), { email: 'gone@hub.test', name: 'Gone Analyst', password: TEST_PASSWORD, memberships: [{ orgId: w.org.HUB, role: 'analyst' }] });
  await r.services.auth.setDisabled(systemActor('test'), disabledAnalyst, true);
  const county = w.as('MARICOPA_MEMBER');
  const created = await county.post('/api/incidents', {
    title: 'Pollbook outage', whatHappened: 'Pollbooks lost sync', detectedAt: '2024-11-05T10:00:00Z', functionalImpact: 'minimal_critical', informationImpact: 'no_impact',
    recoverability: 'regular', attackVector: 'unknown', electionSystems: ['e_pollbooks'], electionPhase: 'election_day',
  });
  expect(created.statusCode, created.body).toBe(201);
  id = created.json().id;
  expect((await county.post(`/api/incidents/${id}/submit`)).statusCode).toBe(200);
}, 120_000);
afterAll(async () => r?.close());

type Item = { userId: string; name: string; orgId: string; orgName: string; role: string };
const HUB_PEOPLE = () => [w.user.HUB_ANALYST, w.user.HUB_ADMIN, w.user.PLATFORM_ADMIN];
const ids = (items: Item[]) => items.map((i) => i.userId).sort();

describe('GET /api/incidents/assignees', () => {
  test('for the hub: its analysts and admins, never members of other organisations or disabled accounts', async () => {
    const res = await w.as('HUB_ANALYST').get('/api/incidents/assignees');
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as Item[];
    // The world's platform admin belongs to a second, bare national-hub organisation: the hub is every national-hub organisation.
    expect(ids(items)).toEqual(HUB_PEOPLE().sort());
    expect(ids(items.filter((i) => i.orgId === w.org.HUB))).toEqual([w.user.HUB_ANALYST, w.user.HUB_ADMIN].sort());
    expect(items.every((i) => i.orgName.length > 0 && i.role !== 'member')).toBe(true);
    expect(ids(items)).not.toContain(disabledAnalyst);
  });

  test('for an incident: also the reporting organisation’s analysts and admins (not its plain members)', async () => {
    const res = await w.as('HUB_ANALYST').get(`/api/incidents/assignees?incidentId=${id}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(ids(res.json().items)).toEqual([...HUB_PEOPLE(), w.user.MARICOPA_ADMIN].sort());
    // The reporting organisation's admin works the case too, and gets the same list.
    expect(ids((await w.as('MARICOPA_ADMIN').get(`/api/incidents/assignees?incidentId=${id}`)).json().items)).toEqual(ids(res.json().items));
  });

  test('who may ask: not a plain member (403); an incident you cannot see is 404; a bad id is a 400 naming it', async () => {
    expect((await w.as('MARICOPA_MEMBER').get('/api/incidents/assignees')).statusCode).toBe(403);
    expect((await w.as('MARICOPA_MEMBER').get(`/api/incidents/assignees?incidentId=${id}`)).statusCode).toBe(403);
    expect((await w.as('AZ_ANALYST').get('/api/incidents/assignees')).statusCode).toBe(403);
    for (const p of ['FULTON_MEMBER', 'AZ_ANALYST', 'GA_ANALYST', 'FEDERAL_ANALYST', 'CAMPAIGN_MEMBER'] as const) {
      expect((await w.as(p).get(`/api/incidents/assignees?incidentId=${id}`)).statusCode, p).toBe(404);
    }
    const bad = await w.as('HUB_ANALYST').get('/api/incidents/assignees?incidentId=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.path).toBe('querystring.incidentId');
  });

  test('assignment and task owners follow the same list', async () => {
    const hub = w.as('HUB_ANALYST');
    for (const outside of [w.user.MARICOPA_MEMBER, w.user.GA_ANALYST, disabledAnalyst]) {
      const res = await hub.post(`/api/incidents/${id}/assign`, { userId: outside });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.path).toBe('body.userId');
      const task = await hub.post(`/api/incidents/${id}/tasks`, { title: 'Call back', ownerUserId: outside });
      expect(task.statusCode).toBe(400);
      expect(task.json().error.details.path).toBe('body.ownerUserId');
    }
    const listed = ids((await hub.get(`/api/incidents/assignees?incidentId=${id}`)).json().items);
    for (const userId of listed) expect((await hub.post(`/api/incidents/${id}/assign`, { userId })).statusCode).toBe(200);
    expect((await hub.post(`/api/incidents/${id}/tasks`, { title: 'Call back', ownerUserId: w.user.MARICOPA_ADMIN })).statusCode).toBe(201);
  });
});
