import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Tlp } from '../../core/access/tlp.ts';
import { createTestRampart, createWorld, type PersonaKey, type TestRampart, type World } from '../../test/harness.ts';
import { detectKit } from './detect.testkit.ts';

let r: TestRampart;
let w: World;
let k: ReturnType<typeof detectKit>;
beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  k = detectKit(r, w);
});
afterAll(async () => r?.close());

const now = () => new Date().toISOString();
async function sdo(who: PersonaKey, tlp: Tlp, type: 'campaign' | 'intrusion-set' | 'threat-actor', name: string): Promise<string> {
  const id = `${type}--${randomUUID()}`;
  await k.store(who, tlp, [{ type, spec_version: '2.1', id, created: now(), modified: now(), name }]);
  return id;
}
async function rel(who: PersonaKey, tlp: Tlp, source: string, kind: string, target: string): Promise<string> {
  const id = `relationship--${randomUUID()}`;
  await k.store(who, tlp, [{ type: 'relationship', spec_version: '2.1', id, created: now(), modified: now(), relationship_type: kind, source_ref: source, target_ref: target }]);
  return id;
}

describe('hits name the campaigns and threat actors behind their indicator, as far as the reader may see them', () => {
  test('indicates → campaign / intrusion set, campaign attributed-to → actor; hidden objects and hidden relationships are left out', async () => {
    const ind = await k.indicator('HUB_ANALYST', "[domain-name:value = 'related.example']", 'GREEN', 'related-indicator');
    // visible to Fulton: a CLEAR campaign, attributed to a CLEAR intrusion set, and a CLEAR threat actor indicated directly
    const campaign = await sdo('HUB_ANALYST', 'CLEAR', 'campaign', 'Operation Visible');
    const set = await sdo('HUB_ANALYST', 'CLEAR', 'intrusion-set', 'Visible Set');
    const actorSdo = await sdo('HUB_ANALYST', 'CLEAR', 'threat-actor', 'Visible Actor');
    await rel('HUB_ANALYST', 'CLEAR', ind, 'indicates', campaign);
    await rel('HUB_ANALYST', 'CLEAR', campaign, 'attributed-to', set);
    await rel('HUB_ANALYST', 'CLEAR', ind, 'indicates', actorSdo);
    // Arizona's AMBER campaign (Fulton may not see it) behind a CLEAR relationship, and an actor attributed through it
    const hiddenCampaign = await sdo('AZ_ANALYST', 'AMBER', 'campaign', 'Secret Arizona Campaign');
    const behindHidden = await sdo('HUB_ANALYST', 'CLEAR', 'threat-actor', 'Actor Behind Secret');
    await rel('HUB_ANALYST', 'CLEAR', ind, 'indicates', hiddenCampaign);
    await rel('AZ_ANALYST', 'CLEAR', hiddenCampaign, 'attributed-to', behindHidden);
    // a CLEAR campaign tied to the indicator only by Arizona's AMBER relationship: the link itself is hidden from Fulton
    const linkHidden = await sdo('HUB_ANALYST', 'CLEAR', 'campaign', 'Campaign Linked In Secret');
    await rel('AZ_ANALYST', 'AMBER', ind, 'indicates', linkHidden);
    // the visible campaign attributed to Arizona's AMBER intrusion set
    const hiddenSet = await sdo('AZ_ANALYST', 'AMBER', 'intrusion-set', 'Secret Arizona Set');
    await rel('HUB_ANALYST', 'CLEAR', campaign, 'attributed-to', hiddenSet);
    // not a relationship detect shows (uses), and a relationship pointing the other way
    await rel('HUB_ANALYST', 'CLEAR', ind, 'related-to', await sdo('HUB_ANALYST', 'CLEAR', 'campaign', 'Merely Related'));

    const fulton = (await k.upload('FULTON_MEMBER', 'q www.related.example\n', 'format=text')).json();
    expect(fulton.hits).toBe(1);
    const [hit] = await k.hits('FULTON_MEMBER', `runId=${fulton.id}`);
    expect(hit!.related).toEqual([
      { id: campaign, type: 'campaign', name: 'Operation Visible', via: null },
      { id: set, type: 'intrusion-set', name: 'Visible Set', via: campaign },
      { id: actorSdo, type: 'threat-actor', name: 'Visible Actor', via: null },
    ]);
    const body = (await w.as('FULTON_MEMBER').get(`/api/detect/hits?runId=${fulton.id}`)).body;
    for (const secret of [hiddenCampaign, 'Secret Arizona Campaign', behindHidden, 'Actor Behind Secret', linkHidden, 'Campaign Linked In Secret', hiddenSet, 'Secret Arizona Set', 'Merely Related']) {
      expect(body).not.toContain(secret);
    }

    // Arizona may see its own campaign, set and relationship: the same indicator names them for Arizona
    const az = (await k.upload('AZ_ANALYST', 'q www.related.example\n', 'format=text')).json();
    const [azHit] = await k.hits('AZ_ANALYST', `runId=${az.id}`);
    expect(azHit!.related.map((x) => `${x.name}|${x.via === null ? '' : x.via === campaign ? 'visible' : x.via === hiddenCampaign ? 'secret' : x.via}`)).toEqual([
      'Campaign Linked In Secret|',
      'Operation Visible|',
      'Secret Arizona Campaign|',
      'Secret Arizona Set|visible',
      'Visible Set|visible',
      'Actor Behind Secret|secret',
      'Visible Actor|',
    ]);
  });
});
