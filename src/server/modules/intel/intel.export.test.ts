import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';

let r: TestRampart;
let w: World;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  const share = (name: string, value: string, tlp: string) =>
    w.as('HUB_ANALYST').post('/api/intel/indicators', { name, pattern: `[ipv4-addr:value = '${value}']`, validFrom: '2026-11-01T00:00:00Z', tlp, communityIds: [w.community.OFFICIALS] });
  for (const res of await Promise.all([share('Phishing relay alpha', '198.51.100.10', 'GREEN'), share('Scanner beta', '203.0.113.20', 'GREEN'), share('Relay gamma', '198.51.100.30', 'AMBER')])) {
    expect(res.statusCode).toBe(201);
  }
});
afterAll(async () => r?.close());

const exported = async (persona: 'HUB_ANALYST' | 'AZ_MEMBER', query: string) => {
  const res = await w.as(persona).get(`/api/intel/export?${query}`);
  expect(res.statusCode).toBe(200);
  return (JSON.parse(res.body) as { objects: { type: string; name?: string }[] }).objects.filter((o) => o.type === 'indicator').map((o) => o.name).sort();
};

describe('export takes the search filters', () => {
  test('full text, TLP and observable value narrow the bundle as they narrow search', async () => {
    expect(await exported('HUB_ANALYST', 'type=indicator')).toEqual(['Phishing relay alpha', 'Relay gamma', 'Scanner beta']);
    expect(await exported('HUB_ANALYST', 'type=indicator&q=relay')).toEqual(['Phishing relay alpha', 'Relay gamma']);
    expect(await exported('HUB_ANALYST', 'type=indicator&tlp=GREEN')).toEqual(['Phishing relay alpha', 'Scanner beta']);
    expect(await exported('HUB_ANALYST', 'observable=203.0.113.20')).toEqual(['Scanner beta']);
  });
  test('the filters never widen what the reader may see', async () => {
    // An AZ member is in the OFFICIALS community: GREEN yes, the hub's AMBER (no recipients) no.
    expect(await exported('AZ_MEMBER', 'type=indicator&q=relay')).toEqual(['Phishing relay alpha']);
    expect(await exported('AZ_MEMBER', 'type=indicator&tlp=AMBER')).toEqual([]);
  });
  test('a bad observable names the parameter', async () => {
    const res = await w.as('HUB_ANALYST').get('/api/intel/export?observable=%20');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.path).toBe('query.observable');
  });
});
