import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemActor } from '../../core/access/actor.ts';
import { canSee, type Sharing } from '../../core/access/visibility.ts';
import { accessMismatches, createTestRampart, createWorld, PERSONA_KEYS, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';
import type { AlertsService } from '../alerts/index.ts';
import type { DetectService } from '../detect/index.ts';
import type { IncidentsService } from '../incidents/index.ts';
import { MESSAGE_MAX_CHARS } from './room.schemas.ts';

/**
 * The situation room against the one visibility rule: the feed (every page), an item, its discussion
 * (read and post) and the live discussion events reach exactly the personas canSee admits for the
 * item's own record; everyone else gets the 404 of an unknown id, or nothing.
 */
let r: TestRampart;
let w: World;
let port: number;
const sys = systemActor('room-test');
const service = <T>(name: string) => (r.modules.find((m) => m.name === name) as unknown as { service: T }).service;

interface Planted { label: string; kind: 'alert' | 'incident' | 'sighting'; id: string; sharing: Sharing }
const planted: Planted[] = [];
const sharingOf = (x: Sharing): Sharing => ({
  ownerOrgId: x.ownerOrgId, tlp: x.tlp, communityIds: x.communityIds, recipientOrgIds: x.recipientOrgIds, recipientUserIds: x.recipientUserIds, createdBy: x.createdBy,
});

async function publishAlert(label: string, over: Record<string, unknown>) {
  const c = w.as('HUB_ANALYST');
  const res = await c.post('/api/alerts', {
    title: `Room ${label}`, level: 'Elevated', tlp: 'GREEN', communityIds: [w.community.OFFICIALS], summary: `About ${label}`, body: 'Details.',
    target: { orgKinds: ['state_election_office', 'local_election_office'] }, ...over,
  });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  expect((await c.post(`/api/alerts/${id}/submit`, {})).statusCode).toBe(200);
  expect((await c.post(`/api/alerts/${id}/publish`, {})).statusCode).toBe(200);
  planted.push({ label, kind: 'alert', id, sharing: sharingOf(await service<AlertsService>('alerts').getVisible(sys, id)) });
  return id;
}

const REPORT = {
  incidentType: 'website_defacement', whatHappened: 'The results page was replaced.', detectedAt: '2024-11-05T20:00:00Z', functionalImpact: 'minimal_critical',
  informationImpact: 'no_impact', recoverability: 'regular', attackVector: 'web', observedActivity: 'effect', affectedSystems: 'results website',
  electionSystems: ['election_night_reporting'], electionPhase: 'election_day',
};
async function reportIncident(label: string, by: PersonaKey, sharing: Record<string, unknown>, submit = true) {
  const c = w.as(by);
  const res = await c.post('/api/incidents', { ...REPORT, title: `Room ${label}`, sharing });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json().id as string;
  if (submit) {
    expect((await c.post(`/api/incidents/${id}/submit`)).statusCode).toBe(200);
    planted.push({ label, kind: 'incident', id, sharing: sharingOf(await service<IncidentsService>('incidents').getRow(sys, id)) });
  }
  return id;
}

async function sight(label: string, by: PersonaKey, domain: string, query: string) {
  const up = await w.as(by).post(`/api/detect/uploads?format=text&${query}`, `seen ${domain}\n`, { 'content-type': 'text/plain' });
  expect(up.statusCode, up.body).toBe(201);
  const hits = (await w.as(by).get(`/api/detect/hits?runId=${up.json().id}`)).json().items as { sightingId: string }[];
  const id = hits[0]!.sightingId;
  const [row] = await service<DetectService>('detect').recentSightings(sys, { limit: 1, id });
  planted.push({ label, kind: 'sighting', id, sharing: sharingOf(row!) });
  return id;
}

let draftAlert: string;
let draftIncident: string;

beforeAll(async () => {
  r = await createTestRampart({ listen: true, config: { PORT: '0' } });
  w = await createWorld(r);
  port = (r.app.server.address() as AddressInfo).port;
  await publishAlert('green to officials', {});
  await publishAlert('strict to Arizona', { tlp: 'AMBER+STRICT', communityIds: [], recipientOrgIds: [w.org.STATE_AZ] });
  await publishAlert('red to one person', { tlp: 'RED', communityIds: [], recipientUserIds: [w.user.AZ_MEMBER] });
  await publishAlert('clear to everyone', { tlp: 'CLEAR', communityIds: [] });
  const d = await w.as('HUB_ANALYST').post('/api/alerts', { title: 'Room draft', level: 'Low', tlp: 'CLEAR', summary: 's', body: 'b' });
  expect(d.statusCode, d.body).toBe(201);
  draftAlert = d.json().id;
  await reportIncident('hub only', 'MARICOPA_MEMBER', { tlp: 'AMBER+STRICT' });
  await reportIncident('green from Fulton', 'FULTON_MEMBER', { tlp: 'GREEN', communityIds: [w.community.OFFICIALS] });
  draftIncident = await reportIncident('draft', 'FULTON_MEMBER', { tlp: 'CLEAR' }, false);
  // An indicator the counties may see; their sightings: Fulton's AMBER (the hub a recipient), Maricopa's kept at home.
  const ind = await w.as('HUB_ANALYST').post('/api/intel/indicators', { name: 'room-domain', pattern: "[domain-name:value = 'room-sighted.example']", tlp: 'GREEN', communityIds: [w.community.OFFICIALS] });
  expect(ind.statusCode, ind.body).toBe(201);
  await sight('Fulton AMBER to the hub', 'FULTON_MEMBER', 'room-sighted.example', 'tlp=AMBER');
  await sight('Maricopa AMBER+STRICT at home', 'MARICOPA_ADMIN', 'room-sighted.example', 'tlp=AMBER%2BSTRICT&shareWithHub=false');
}, 240_000);
afterAll(async () => r?.close());

/** Every item of the feed as the persona reads it, walking the cursor with small pages. */
async function wholeFeed(p: PersonaKey, limit = 2) {
  const items: { kind: string; id: string; at: string }[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res = await w.as(p).get(`/api/room/feed?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as { items: { kind: string; id: string; at: string }[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('the feed did not end');
}

const ok = (status: number) => {
  if (status !== 200 && status !== 404) throw new Error(`unexpected status ${status}`);
  return status === 200;
};

describe('the feed shows each item to exactly those who may see its record', () => {
  test('every page, for every persona', async () => {
    expect(planted.map((p) => p.kind).sort()).toEqual(['alert', 'alert', 'alert', 'alert', 'incident', 'incident', 'sighting', 'sighting']);
    const feeds = new Map<PersonaKey, Set<string>>();
    for (const p of PERSONA_KEYS) {
      const items = await wholeFeed(p);
      const keys = items.map((i) => `${i.kind}:${i.id}`);
      expect(new Set(keys).size, `${p}: no item twice across pages`).toBe(keys.length);
      const times = items.map((i) => Date.parse(i.at));
      expect(times, `${p}: newest first`).toEqual([...times].sort((a, b) => b - a));
      // a page of 100 gives the same items in the same order
      const one = (await w.as(p).get('/api/room/feed?limit=100')).json().items.map((i: { kind: string; id: string }) => `${i.kind}:${i.id}`);
      expect(one).toEqual(keys);
      feeds.set(p, new Set(keys));
    }
    for (const item of planted) {
      expect(await accessMismatches(w, item.sharing, async (p) => feeds.get(p)!.has(`${item.kind}:${item.id}`)), item.label).toEqual([]);
    }
    // drafts are not in the room, not even for their authors
    expect(feeds.get('HUB_ANALYST')!.has(`alert:${draftAlert}`)).toBe(false);
    expect(feeds.get('FULTON_MEMBER')!.has(`incident:${draftIncident}`)).toBe(false);
    // the rule's outcome, spot-checked so the test cannot pass on an empty rule
    const strictAz = planted.find((p) => p.label === 'strict to Arizona')!;
    expect(feeds.get('AZ_MEMBER')!.has(`alert:${strictAz.id}`)).toBe(true);
    expect(feeds.get('MARICOPA_MEMBER')!.has(`alert:${strictAz.id}`)).toBe(false);
    const fulton = planted.find((p) => p.label === 'Fulton AMBER to the hub')!;
    expect(feeds.get('HUB_ANALYST')!.has(`sighting:${fulton.id}`)).toBe(true);
    expect(feeds.get('AZ_ANALYST')!.has(`sighting:${fulton.id}`)).toBe(false);
  });

  test('an item, its discussion and posting to it: 200/201 for those who may see it, 404 for everyone else', async () => {
    for (const item of planted) {
      const base = `/api/room/items/${item.kind}/${item.id}`;
      expect(await accessMismatches(w, item.sharing, async (p) => ok((await w.as(p).get(base)).statusCode)), `${item.label}: item`).toEqual([]);
      expect(await accessMismatches(w, item.sharing, async (p) => ok((await w.as(p).get(`${base}/messages`)).statusCode)), `${item.label}: thread`).toEqual([]);
      expect(
        await accessMismatches(w, item.sharing, async (p) => {
          const res = await w.as(p).post(`${base}/messages`, { text: `${p} on ${item.label}` });
          if (res.statusCode === 201) return true;
          expect(res.json().error.code, res.body).toBe('ROOM_ITEM_NOT_FOUND');
          return false;
        }),
        `${item.label}: post`,
      ).toEqual([]);
      // what a viewer reads is exactly what those who may see the item wrote
      const viewers = await w.expectedViewers(item.sharing);
      const reader = [...viewers][0]!;
      const texts = (await w.as(reader).get(`${base}/messages`)).json().items.map((m: { text: string }) => m.text).sort();
      expect(texts).toEqual([...viewers].map((p) => `${p} on ${item.label}`).sort());
    }
    // drafts and unknown ids are the same 404
    for (const url of [`/api/room/items/alert/${draftAlert}`, `/api/room/items/incident/${draftIncident}/messages`, `/api/room/items/alert/${crypto.randomUUID()}`]) {
      expect((await w.as('HUB_ANALYST').get(url)).statusCode).toBe(404);
      expect((await w.as('FULTON_MEMBER').get(url)).statusCode).toBe(404);
    }
    expect((await w.as('HUB_ANALYST').post(`/api/room/items/alert/${draftAlert}/messages`, { text: 'x' })).statusCode).toBe(404);
  });
});

describe('threads', () => {
  test('post, reply, counts in the feed, audit row and event carrying the item sharing', async () => {
    const item = planted.find((p) => p.label === 'green to officials')!;
    const base = `/api/room/items/alert/${item.id}/messages`;
    const root = await w.as('AZ_ANALYST').post(base, { text: '  Seeing this in Maricopa too?\nLine two.  ' });
    expect(root.statusCode, root.body).toBe(201);
    expect(root.json()).toMatchObject({ text: 'Seeing this in Maricopa too?\nLine two.', parentId: null, authorName: 'AZ_ANALYST', authorOrgName: 'STATE_AZ org', mine: true, kind: 'alert', itemId: item.id });
    const reply = await w.as('MARICOPA_MEMBER').post(base, { text: 'Yes, <b>two</b> precincts', parentId: root.json().id });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json().parentId).toBe(root.json().id);
    const thread = (await w.as('AZ_ANALYST').get(base)).json();
    const mine = thread.items.filter((m: { parentId: string | null; id: string }) => m.id === root.json().id || m.parentId === root.json().id);
    expect(mine.map((m: { text: string; mine: boolean }) => [m.text, m.mine])).toEqual([['Seeing this in Maricopa too?\nLine two.', true], ['Yes, <b>two</b> precincts', false]]);
    const fi = (await w.as('AZ_ANALYST').get(`/api/room/items/alert/${item.id}`)).json();
    expect(fi.messages).toBe(thread.items.length);
    expect(fi.lastMessageAt).toBe(thread.items[thread.items.length - 1].createdAt);
    const audit = await sql<{ action: string; subject_id: string }>`SELECT action, subject_id FROM audit_log WHERE subject_id = ${reply.json().id}`.execute(r.core.database.db);
    expect(audit.rows).toEqual([{ action: 'room.message.post', subject_id: reply.json().id }]);
    const ev = await sql<{ tlp: string; community_ids: string[]; payload: Record<string, unknown> }>`SELECT tlp, community_ids, payload FROM events WHERE topic = 'room.message' AND subject_id = ${reply.json().id}`.execute(r.core.database.db);
    expect(ev.rows).toEqual([{ tlp: item.sharing.tlp, community_ids: item.sharing.communityIds, payload: { kind: 'alert', itemId: item.id, messageId: reply.json().id, parentId: root.json().id } }]);
  });

  test('a reply must answer a message of the same discussion; nothing is written otherwise', async () => {
    const [a, b] = planted.filter((p) => p.kind === 'alert' && p.sharing.tlp === 'CLEAR' || p.label === 'green to officials');
    const other = await w.as('HUB_ANALYST').post(`/api/room/items/alert/${a!.id}/messages`, { text: 'elsewhere' });
    expect(other.statusCode).toBe(201);
    const count = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM room_messages`.execute(r.core.database.db)).rows[0]!.n;
    const before = await count();
    for (const parentId of [other.json().id, crypto.randomUUID()]) {
      const res = await w.as('HUB_ANALYST').post(`/api/room/items/alert/${b!.id}/messages`, { text: 'reply', parentId });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details.path).toBe('body.parentId');
    }
    expect(await count()).toBe(before);
  });
});

describe('bad input is a 400 naming the field', () => {
  test.each([
    ['empty text', { text: '   ' }, 'body.text'],
    ['missing text', {}, 'body.text'],
    ['text too long', { text: 'x'.repeat(MESSAGE_MAX_CHARS + 1) }, 'body.text'],
    ['control characters', { text: 'bell\u0007' }, 'body.text'],
    ['NUL', { text: 'a\u0000b' }, 'body.text'],
    ['not a string', { text: 42 }, 'body.text'],
    ['parent not a UUID', { text: 'x', parentId: 'nope' }, 'body.parentId'],
    ['unknown field', { text: 'x', html: '<script>' }, 'body.html'],
  ])('%s', async (_name, body, path) => {
    const item = planted.find((p) => p.label === 'clear to everyone')!;
    const res = await w.as('HUB_ANALYST').post(`/api/room/items/alert/${item.id}/messages`, body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.path).toBe(path);
  });

  test('the longest message is accepted', async () => {
    const item = planted.find((p) => p.label === 'clear to everyone')!;
    expect((await w.as('HUB_ANALYST').post(`/api/room/items/alert/${item.id}/messages`, { text: 'y'.repeat(MESSAGE_MAX_CHARS) })).statusCode).toBe(201);
  });

  test.each([
    ['/api/room/items/advisory/00000000-0000-4000-8000-000000000000', 'params.kind'],
    ['/api/room/items/alert/1%20OR%201=1', 'params.id'],
    ['/api/room/feed?limit=0', 'querystring.limit'],
    ['/api/room/feed?cursor=not-a-cursor', 'querystring.cursor'],
    ['/api/room/feed?since=yesterday', 'querystring.since'],
    ['/api/room/summary?hours=1000', 'querystring.hours'],
  ])('GET %s', async (url, path) => {
    const res = await w.as('HUB_ANALYST').get(url);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.details.path).toBe(path);
  });

  test('anonymous callers are asked to sign in, even for TLP:CLEAR items', async () => {
    const item = planted.find((p) => p.label === 'clear to everyone')!;
    expect((await w.anonymous.get('/api/room/feed')).statusCode).toBe(401);
    expect((await w.anonymous.get(`/api/room/items/alert/${item.id}/messages`)).statusCode).toBe(401);
    expect((await w.anonymous.post(`/api/room/items/alert/${item.id}/messages`, { text: 'hi' })).statusCode).toBe(401);
  });
});

describe('summary', () => {
  test('counts by kind what the reader may see, within the window', async () => {
    const counts = async (p: PersonaKey, hours = 24) => (await w.as(p).get(`/api/room/summary?hours=${hours}`)).json().counts;
    for (const p of ['HUB_ANALYST', 'AZ_MEMBER', 'CAMPAIGN_MEMBER'] as PersonaKey[]) {
      const feed = await wholeFeed(p, 100);
      const expected = { alert: 0, incident: 0, sighting: 0 } as Record<string, number>;
      for (const i of feed) expected[i.kind]!++;
      const c = await counts(p);
      expect({ p, alert: c.alert.n, incident: c.incident.n, sighting: c.sighting.n }).toEqual({ p, ...expected });
    }
    expect((await counts('HUB_ANALYST')).alert.n).toBeGreaterThan((await counts('CAMPAIGN_MEMBER')).alert.n);
  });
});

/** A live SSE stream as a persona: the events it receives, and a promise for the first event matching a test. */
function listen(p: PersonaKey, topics = 'room') {
  const got: { topic: string; subjectId: string | null; payload: Record<string, unknown> }[] = [];
  const waiters: { match: (e: (typeof got)[number]) => boolean; done: () => void }[] = [];
  let ready!: () => void;
  const opened = new Promise<void>((res) => (ready = res));
  const req = http.get({ host: '127.0.0.1', port, path: `/api/events/stream?topics=${topics}`, headers: { authorization: `Bearer ${w.token[p]}` } }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.includes(': connected')) ready();
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!data) continue;
        const e = JSON.parse(data) as (typeof got)[number];
        got.push(e);
        for (const wt of waiters) if (wt.match(e)) wt.done();
      }
    });
  });
  const until = (match: (e: (typeof got)[number]) => boolean) => (got.some(match) ? Promise.resolve() : new Promise<void>((done) => waiters.push({ match, done })));
  const messages = () => got.filter((e) => e.topic === 'room.message').map((e) => e.payload as { messageId: string; itemId: string });
  return { got, opened, messages, received: (messageId: string) => until((e) => e.payload.messageId === messageId), until, close: () => req.destroy() };
}

describe('live discussion events (SSE) reach exactly those who may see the item', () => {
  test('two partners of the room see each other’s messages; a persona who may not see the item gets nothing', async () => {
    const personas: PersonaKey[] = ['HUB_ANALYST', 'AZ_MEMBER', 'MARICOPA_MEMBER', 'GA_ANALYST', 'CAMPAIGN_MEMBER', 'PLATFORM_ADMIN'];
    const streams = new Map(personas.map((p) => [p, listen(p)]));
    await Promise.all([...streams.values()].map((s) => s.opened));
    const strict = planted.find((p) => p.label === 'strict to Arizona')!;
    const red = planted.find((p) => p.label === 'red to one person')!;
    const clear = planted.find((p) => p.label === 'clear to everyone')!;
    const posted = new Map<string, Planted>();
    const post = async (by: PersonaKey, item: Planted, text: string) => {
      const res = await w.as(by).post(`/api/room/items/${item.kind}/${item.id}/messages`, { text });
      expect(res.statusCode, res.body).toBe(201);
      posted.set(res.json().id, item);
      return res.json().id as string;
    };
    await post('HUB_ANALYST', strict, 'Hub: can Arizona confirm?');
    await post('AZ_MEMBER', strict, 'Arizona: confirmed');
    await post('AZ_MEMBER', red, 'for me only');
    // the last message is CLEAR: once every stream has it, every earlier event was delivered or filtered
    const last = await post('HUB_ANALYST', clear, 'all clear');
    await Promise.all([...streams.values()].map((s) => s.received(last)));
    for (const [p, s] of streams) {
      const actor = await w.actor(p);
      const expected = [...posted].filter(([, item]) => canSee(actor, item.sharing)).map(([id]) => id);
      expect({ p, got: s.messages().map((g) => g.messageId) }).toEqual({ p, got: expected });
      s.close();
    }
    const ids = (p: PersonaKey) => streams.get(p)!.messages().map((g) => g.itemId);
    expect(ids('AZ_MEMBER').filter((i) => i === strict.id)).toHaveLength(2);
    expect(ids('HUB_ANALYST').filter((i) => i === strict.id)).toHaveLength(2);
    expect(ids('MARICOPA_MEMBER')).not.toContain(strict.id);
    expect(ids('AZ_MEMBER')).toContain(red.id);
    expect(ids('GA_ANALYST')).not.toContain(red.id);
    expect(ids('PLATFORM_ADMIN')).toEqual([clear.id]);
  });
});

describe('live feed: new items reach, over the same stream, exactly those who will see them in the feed', () => {
  test('a new alert, incident report and sighting: the event reaches a persona iff the item is in its feed', async () => {
    // the topics the situation room page listens to
    const streams = new Map(PERSONA_KEYS.map((p) => [p, listen(p, 'alerts,incidents.changed,intel.objects.added,room')]));
    await Promise.all([...streams.values()].map((s) => s.opened));
    const before = planted.length;
    await publishAlert('live strict to Georgia', { tlp: 'AMBER+STRICT', communityIds: [], recipientOrgIds: [w.org.STATE_GA] });
    await reportIncident('live from Maricopa to its state', 'MARICOPA_MEMBER', { tlp: 'AMBER', state: true });
    await sight('live GREEN from Fulton', 'FULTON_MEMBER', 'room-sighted.example', 'tlp=GREEN');
    const fresh = planted.slice(before);
    // a last CLEAR alert: once every stream has it, every earlier event was delivered or filtered
    const last = await publishAlert('live clear marker', { tlp: 'CLEAR', communityIds: [] });
    await Promise.all([...streams.values()].map((s) => s.until((e) => e.topic === 'alerts.published' && e.subjectId === last)));
    const announced = (p: PersonaKey, item: Planted) =>
      streams.get(p)!.got.some((e) =>
        item.kind === 'alert' ? e.topic === 'alerts.published' && e.subjectId === item.id
          : item.kind === 'incident' ? e.topic === 'incidents.changed' && e.subjectId === item.id && e.payload.kind === 'submit'
            : e.topic === 'intel.objects.added' && (e.payload.objects as { id: string }[]).some((o) => o.id === item.id));
    for (const item of fresh) {
      const feeds = new Map<PersonaKey, boolean>();
      for (const p of PERSONA_KEYS) feeds.set(p, (await wholeFeed(p, 100)).some((i) => i.kind === item.kind && i.id === item.id));
      expect(await accessMismatches(w, item.sharing, async (p) => announced(p, item)), `${item.label}: event`).toEqual([]);
      expect(PERSONA_KEYS.filter((p) => announced(p, item) !== feeds.get(p)), `${item.label}: event and feed agree`).toEqual([]);
    }
    expect(announced('GA_ANALYST', fresh[0]!)).toBe(true);
    expect(announced('FULTON_MEMBER', fresh[0]!)).toBe(false);
    expect(announced('AZ_MEMBER', fresh[1]!)).toBe(true);
    expect(announced('GA_ANALYST', fresh[1]!)).toBe(false);
    for (const s of streams.values()) s.close();
  });
});
