import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';

let r: TestRampart;
let w: World;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
});
afterAll(async () => r?.close());

const countOrgs = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM organisations`.execute(r.core.database.db)).rows[0]!.n;

describe('jurisdictions come from us-atlas, not typed by hand', () => {
  test('every state, DC, the territories and every county are there with FIPS codes', async () => {
    const states = await w.as('AZ_MEMBER').get('/api/jurisdictions?kind=state&pageSize=500');
    expect(states.json().total).toBe(50);
    const terr = await w.as('AZ_MEMBER').get('/api/jurisdictions?kind=territory');
    expect(terr.json().items.map((j: { fips: string }) => j.fips).sort()).toEqual(['60', '66', '69', '72', '78']);
    const az = await w.as('AZ_MEMBER').get('/api/jurisdictions?state=04&kind=county');
    expect(az.json().total).toBe(15);
    expect(az.json().items.find((j: { fips: string }) => j.fips === '04013').name).toBe('Maricopa');
    const counties = await w.as('AZ_MEMBER').get('/api/jurisdictions?kind=county&pageSize=1');
    expect(counties.json().total).toBeGreaterThan(3100);
  });
});

describe('organisations', () => {
  test('list with search, filter, sort and pagination', async () => {
    const c = w.as('AZ_MEMBER');
    const all = (await c.get('/api/organisations?pageSize=200')).json();
    expect(all.total).toBe(all.items.length);
    const names = all.items.map((o: { name: string }) => o.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    const desc = (await c.get('/api/organisations?sort=-name&pageSize=200')).json().items.map((o: { name: string }) => o.name.toLowerCase());
    expect(desc).toEqual([...names].reverse());
    const page1 = (await c.get('/api/organisations?pageSize=3&page=1')).json();
    const page2 = (await c.get('/api/organisations?pageSize=3&page=2')).json();
    expect(page1.items).toHaveLength(3);
    expect(page2.items[0].id).not.toBe(page1.items[2].id);
    const counties = (await c.get('/api/organisations?kind=local_election_office')).json();
    expect(counties.items.map((o: { name: string }) => o.name).sort()).toEqual(['COUNTY_FULTON org', 'COUNTY_MARICOPA org']);
    const found = (await c.get('/api/organisations?q=maricopa')).json();
    expect(found.items.map((o: { id: string }) => o.id)).toEqual([w.org.COUNTY_MARICOPA]);
    const inState = (await c.get('/api/organisations?state=13')).json();
    expect(inState.items.map((o: { name: string }) => o.name).sort()).toEqual(['COUNTY_FULTON org', 'STATE_GA org']);
    const empty = (await c.get('/api/organisations?q=nothing-matches-this')).json();
    expect(empty).toMatchObject({ items: [], total: 0 });
    // Pages are slices of the one sorted list, each with the total; a page past the end still says how many there are.
    const slices = [];
    for (let p = 1; p * 7 < all.total + 7; p++) {
      const page = (await c.get(`/api/organisations?pageSize=7&page=${p}`)).json();
      expect(page.total).toBe(all.total);
      slices.push(...page.items);
    }
    expect(slices).toEqual(all.items);
    const byCreated = (await c.get('/api/organisations?sort=-createdAt&pageSize=200')).json().items.map((o: { createdAt: string }) => o.createdAt);
    expect(byCreated).toEqual([...byCreated].sort().reverse());
    expect(byCreated.every((t: string) => t === new Date(t).toISOString())).toBe(true);
    const beyond = (await c.get(`/api/organisations?pageSize=10&page=${Math.ceil(all.total / 10) + 1}`)).json();
    expect(beyond).toMatchObject({ items: [], total: all.total });
  });

  test('detail shows parent, jurisdiction, contacts, communities and children', async () => {
    const az = (await w.as('AZ_MEMBER').get(`/api/organisations/${w.org.STATE_AZ}`)).json();
    expect(az.jurisdictionName).toBe('Arizona');
    expect(az.children.map((c: { id: string }) => c.id)).toEqual([w.org.COUNTY_MARICOPA]);
    expect(az.contacts[0]).toMatchObject({ name: 'STATE_AZ duty officer', is24x7: true });
    const county = (await w.as('AZ_MEMBER').get(`/api/organisations/${w.org.COUNTY_MARICOPA}`)).json();
    expect(county.parentName).toBe('STATE_AZ org');
    expect(county.communities).toHaveLength(2);
  });

  test('unknown id is 404; malformed id is 400 naming the parameter', async () => {
    const missing = await w.as('AZ_MEMBER').get('/api/organisations/00000000-0000-4000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('ORGANISATION_NOT_FOUND');
    const bad = await w.as('AZ_MEMBER').get('/api/organisations/not-a-uuid');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.path).toBe('params.id');
  });

  test('anonymous callers are refused', async () => {
    expect((await w.anonymous.get('/api/organisations')).statusCode).toBe(401);
  });

  test('hub admin creates an organisation with contacts; it is audited', async () => {
    const res = await w.as('HUB_ADMIN').post('/api/organisations', {
      name: 'Pima County Elections', kind: 'local_election_office', parentId: w.org.STATE_AZ, jurisdictionFips: '04019',
      contacts: [{ name: 'Night desk', role: 'on call', phone: '+1 520 555 0100', email: 'night@pima.test' }], communityIds: [w.community.OFFICIALS],
    });
    expect(res.statusCode).toBe(201);
    const org = res.json();
    expect(org).toMatchObject({ name: 'Pima County Elections', parentName: 'STATE_AZ org', jurisdictionName: 'Pima' });
    expect(org.contacts).toHaveLength(1);
    const auditRows = await sql<{ action: string }>`SELECT action FROM audit_log WHERE subject_id = ${org.id}`.execute(r.core.database.db);
    expect(auditRows.rows.map((x) => x.action)).toEqual(['directory.org.create']);
  });

  test('bad input names the field and writes nothing', async () => {
    const before = await countOrgs();
    const c = w.as('HUB_ADMIN');
    const fips = await c.post('/api/organisations', { name: 'X County', kind: 'local_election_office', jurisdictionFips: '99999' });
    expect(fips.statusCode).toBe(400);
    expect(fips.json().error.details.path).toBe('body.jurisdictionFips');
    const shape = await c.post('/api/organisations', { name: 'X County', kind: 'local_election_office', jurisdictionFips: '4' });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().error.details.path).toBe('body.jurisdictionFips');
    const kind = await c.post('/api/organisations', { name: 'X', kind: 'bakery' });
    expect(kind.json().error.details.path).toBe('body.kind');
    const type = await c.post('/api/organisations', { name: 42, kind: 'campaign' });
    expect(type.json().error.details.path).toBe('body.name');
    const unknown = await c.post('/api/organisations', { name: 'X', kind: 'campaign', colour: 'blue' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.path).toBe('body.colour');
    const contact = await c.post('/api/organisations', { name: 'X', kind: 'campaign', contacts: [{ name: 'A', email: 'not-an-email' }] });
    expect(contact.json().error.details.path).toBe('body.contacts.0.email');
    const malformed = await c.post('/api/organisations', '{"name": "X", ', { 'content-type': 'application/json' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');
    const parent = await c.post('/api/organisations', { name: 'Orphan', kind: 'campaign', parentId: '00000000-0000-4000-8000-000000000000' });
    expect(parent.json().error.details.path).toBe('body.parentId');
    const dup = await c.post('/api/organisations', { name: 'state_az ORG', kind: 'campaign' });
    expect(dup.statusCode).toBe(409);
    const big = await c.post('/api/organisations', { name: 'X', kind: 'campaign', description: 'x'.repeat(11 * 1024 * 1024) });
    expect(big.statusCode).toBe(413);
    expect(await countOrgs()).toBe(before);
  });

  test('a parent cycle is refused', async () => {
    const res = await w.as('HUB_ADMIN').patch(`/api/organisations/${w.org.STATE_AZ}`, { parentId: w.org.COUNTY_MARICOPA });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.path).toBe('body.parentId');
  });

  test('members cannot create; an org admin edits their own organisation but not its kind', async () => {
    expect((await w.as('AZ_MEMBER').post('/api/organisations', { name: 'Nope', kind: 'campaign' })).statusCode).toBe(403);
    const own = await w.as('MARICOPA_ADMIN').patch(`/api/organisations/${w.org.COUNTY_MARICOPA}`, { description: 'Phoenix area' });
    expect(own.statusCode).toBe(200);
    expect(own.json().description).toBe('Phoenix area');
    expect((await w.as('MARICOPA_ADMIN').patch(`/api/organisations/${w.org.COUNTY_MARICOPA}`, { kind: 'campaign' })).statusCode).toBe(403);
    expect((await w.as('MARICOPA_ADMIN').patch(`/api/organisations/${w.org.COUNTY_FULTON}`, { description: 'x' })).statusCode).toBe(403);
  });

  test('the platform admin manages the directory', async () => {
    const res = await w.as('PLATFORM_ADMIN').post('/api/communities', { name: 'Tabletop exercise 2026' });
    expect(res.statusCode).toBe(201);
    const add = await w.as('PLATFORM_ADMIN').post(`/api/communities/${res.json().id}/members`, { orgIds: [w.org.STATE_AZ, w.org.STATE_GA] });
    expect(add.json()).toEqual({ added: 2 });
    const list = (await w.as('AZ_MEMBER').get(`/api/organisations?communityId=${res.json().id}`)).json();
    expect(list.total).toBe(2);
    const rm = await w.as('PLATFORM_ADMIN').delete(`/api/communities/${res.json().id}/members/${w.org.STATE_GA}`);
    expect(rm.statusCode).toBe(204);
  });
});

describe('CSV import', () => {
  const csv = (rows: string[]) => ['name,kind,parent,jurisdiction_fips,communities,contact_name,contact_email', ...rows].join('\n');
  const post = (body: string, q = '') => w.as('HUB_ADMIN').post(`/api/organisations/import${q}`, body, { 'content-type': 'text/csv' });

  test('a file with bad rows reports each row and field, and writes nothing', async () => {
    const before = await countOrgs();
    const res = await post(csv([
      'Yuma County Elections,local_election_office,STATE_AZ org,04027,OFFICIALS community,Desk,desk@yuma.test',
      'Bad Kind,bakery,,,,,',
      'Bad Fips,campaign,,99999,,,',
      'Bad Community,campaign,,,Nope,,',
      'Bad Email,campaign,,,,Someone,not-email',
      'Yuma County Elections,campaign,,,,,',
      'No Parent,campaign,Missing Org,,,,',
    ]));
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.committed).toBe(false);
    expect(body.errors).toEqual([
      { row: 3, field: 'kind', message: expect.stringContaining('must be one of') },
      { row: 4, field: 'jurisdiction_fips', message: 'unknown FIPS code 99999' },
      { row: 5, field: 'communities', message: expect.stringContaining('Nope') },
      { row: 6, field: 'contact_email', message: expect.any(String) },
      { row: 7, field: 'name', message: 'duplicate of row 2' },
      { row: 8, field: 'parent', message: expect.stringContaining('Missing Org') },
    ]);
    expect(await countOrgs()).toBe(before);
  });

  test('skipInvalid imports the valid rows only; a second import updates', async () => {
    const before = await countOrgs();
    const res = await post(csv(['Yuma County Elections,local_election_office,STATE_AZ org,04027,OFFICIALS community,Desk,desk@yuma.test', 'Bad Kind,bakery,,,,,']), '?skipInvalid=true');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, updated: 0, committed: true, rows: 2 });
    expect(await countOrgs()).toBe(before + 1);
    const again = await post(csv(['Yuma County Elections,local_election_office,STATE_AZ org,04027,OFFICIALS community,Desk,desk@yuma.test']));
    expect(again.json()).toMatchObject({ created: 0, updated: 1 });
  });

  test('malformed CSV and missing columns are a clear 400', async () => {
    const res = await post('name,kind\n"unterminated,campaign\n');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('DIRECTORY_CSV_MALFORMED');
    const cols = await post('title,kind\nA,campaign\n');
    expect(cols.json().error.details.path).toBe('column.name');
  });
});
