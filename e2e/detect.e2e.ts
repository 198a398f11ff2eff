import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { expectAccessible } from './models/a11y.ts';
import { DetectHitsModel, DetectSightingsModel, DetectUploadModel, detectNavLink } from './models/DetectModels.ts';
import { signedInPage } from './models/SignInModel.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';

let s: Stack;
/** A member of Fulton County (Georgia), in the OFFICIALS community. */
let county: Page;
/** An analyst of the national hub. */
let hub: Page;
/** A member of a campaign: not in the OFFICIALS community, so it may not see the hub's indicator. */
let campaign: Page;
let indicatorId = '';
const INDICATOR = 'Fake ballot-tracking site (Georgia)';
const CAMPAIGN = 'Ballot-tracker phishing wave';
const HIDDEN_CAMPAIGN = 'Hub-only campaign under investigation';
const SHOTS = process.env.RAMPART_SHOTS ?? path.join(os.tmpdir(), 'rampart-detect');
const LOG = [
  '2024-11-05T14:03:11Z dns client=10.20.1.17 query=ballot-tracker-ga.example type=A',
  // a look-alike: the same name under a longer domain must not match
  '2024-11-05T14:03:12Z dns client=10.20.1.18 query=ballot-tracker-ga.example.com type=A',
  '2024-11-05T14:03:13Z dns client=10.20.1.19 query=sos.ga.gov type=A answer=203.0.113.99',
  '',
].join('\n');

const signIn = async (email: string): Promise<Page> => signedInPage(await s.context(), email, TEST_PASSWORD, TOTP_SECRET);
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  s = await startStack();
  await s.addMfaUser('fulton.member@detect.test', s.world.org.COUNTY_FULTON, 'member');
  await s.addMfaUser('hub.analyst@detect.test', s.world.org.HUB, 'analyst');
  await s.addMfaUser('campaign.member@detect.test', s.world.org.CAMPAIGN, 'member');
  // The hub shares an indicator with election officials only (GREEN, OFFICIALS community): campaigns may not see it.
  const res = await s.world.as('HUB_ANALYST').post('/api/intel/indicators', {
    name: INDICATOR,
    pattern: "[domain-name:value = 'ballot-tracker-ga.example']",
    tlp: 'GREEN',
    communityIds: [s.world.community.OFFICIALS],
    labels: ['phishing'],
  });
  expect(res.statusCode, res.body).toBe(201);
  indicatorId = res.json().object.id as string;
  // The indicator indicates a campaign the county may see (CLEAR) and one it may not (the hub's AMBER).
  const now = new Date().toISOString();
  const sdo = (id: string, name: string) => ({ type: 'campaign', spec_version: '2.1', id, created: now, modified: now, name });
  const indicates = (id: string, target: string) => ({ type: 'relationship', spec_version: '2.1', id, created: now, modified: now, relationship_type: 'indicates', source_ref: indicatorId, target_ref: target });
  const shared = async (tlp: string, objects: object[]) => {
    const r = await s.world.as('HUB_ANALYST').post(`/api/intel/objects?tlp=${tlp}`, { type: 'bundle', id: `bundle--${randomUUID()}`, objects });
    expect(r.statusCode, r.body).toBeLessThan(300);
  };
  const visibleCampaign = `campaign--${randomUUID()}`;
  const hiddenCampaign = `campaign--${randomUUID()}`;
  await shared('CLEAR', [sdo(visibleCampaign, CAMPAIGN), indicates(`relationship--${randomUUID()}`, visibleCampaign), indicates(`relationship--${randomUUID()}`, hiddenCampaign)]);
  await shared('AMBER', [sdo(hiddenCampaign, HIDDEN_CAMPAIGN)]);
  // …and one with campaigns, not in the log: the campaign's check has something to match against.
  const other = await s.world.as('HUB_ANALYST').post('/api/intel/indicators', { name: 'Campaign donation phishing host', pattern: "[ipv4-addr:value = '192.0.2.250']", tlp: 'GREEN', communityIds: [s.world.community.CAMPAIGNS] });
  expect(other.statusCode, other.body).toBe(201);
  county = await signIn('fulton.member@detect.test');
  hub = await signIn('hub.analyst@detect.test');
  campaign = await signIn('campaign.member@detect.test');
});
screenshotsOnFailure(() => ({ county, hub, campaign }));
afterAll(async () => {
  await s?.close();
});

describe('detect: find shared indicators in your logs', () => {
  test('a county finds the hub’s indicator in its DNS log (not the look-alike), and sees the detection', async () => {
    const hits = new DetectHitsModel(county);
    await hits.goto();
    await hits.noLogs().waitFor();
    await shot(county, 'detections-no-logs');

    const up = new DetectUploadModel(county);
    await up.goto();
    expect(await county.getByRole('checkbox', { name: /Share sightings with the hub/ }).isChecked()).toBe(true);
    expect(await county.getByRole('radio', { name: /TLP:AMBER\b/ }).first().isChecked()).toBe(true);
    await up.chooseFile('dns-2024-11-05.log', LOG);
    await shot(county, 'upload-chosen');
    await up.check('dns-2024-11-05.log');
    expect(await up.verdict().textContent()).toMatch(/^1 line matched a shared indicator/);
    expect(await up.count('Lines checked')).toBe('3');
    expect(await up.count('Lines with a match')).toBe('1');
    await expect.poll(() => up.hitRows().count()).toBe(1);
    const row = up.hitRows().first();
    expect(await row.getByRole('link', { name: INDICATOR }).getAttribute('href')).toBe(`/infrastructure/intel/objects/${encodeURIComponent(indicatorId)}`);
    expect(await row.locator('mark').textContent()).toBe('ballot-tracker-ga.example');
    expect(await row.textContent()).not.toContain('ballot-tracker-ga.example.com');
    await shot(county, 'run-with-hit');
    await expectAccessible(county, 'detect: log check with a match');

    // Detections: the hit, with a link to the indicator's intel page.
    await hits.goto();
    await expect.poll(() => hits.rows().count()).toBe(1);
    expect(await hits.rows().first().textContent()).toContain('query=ballot-tracker-ga.example type=A');
    // …with the campaign behind the indicator; the hub's AMBER campaign is not revealed
    expect(await hits.rows().first().getByTestId('hit-context').textContent()).toBe(`Campaign: ${CAMPAIGN}`);
    expect(await county.content()).not.toContain(HIDDEN_CAMPAIGN);
    await shot(county, 'detections');
    await hits.rows().first().getByRole('link', { name: INDICATOR }).click();
    await county.getByRole('heading', { name: INDICATOR, level: 1 }).waitFor();

    // Past log checks: the upload with its counts.
    await detectNavLink(county, 'Past log checks').click();
    await county.getByRole('heading', { name: 'Past log checks', level: 1 }).waitFor();
    const run = county.getByTestId('runs-table').getByRole('row').filter({ hasText: 'dns-2024-11-05.log' });
    await run.getByText('Finished').waitFor();
    await run.getByRole('link', { name: /1 match in dns-2024-11-05\.log/ }).waitFor();
    await shot(county, 'runs');
    await expectAccessible(county, 'detect: past log checks');
    // The hub view is not in a county's navigation.
    expect(await detectNavLink(county, 'Sightings across organisations').count()).toBe(0);
  });

  test('the hub sees the county’s sighting: one county, in Georgia', async () => {
    const view = new DetectSightingsModel(hub);
    await view.goto();
    const row = view.row(INDICATOR);
    await row.waitFor();
    expect(await row.getByTestId('who-saw').textContent()).toBe('Seen in 1 county');
    await row.getByRole('cell', { name: 'Georgia', exact: true }).waitFor();
    await hub.getByRole('img', { name: /Bar chart of the most widely seen indicators/ }).waitFor();
    await row.getByRole('button', { name: /Show who/ }).click();
    await hub.getByRole('link', { name: 'COUNTY_FULTON org' }).waitFor();
    await shot(hub, 'hub-sightings');
    await expectAccessible(hub, 'detect: sightings, who saw it');
  });

  test('an organisation that may not see the indicator gets no hit for the same log', async () => {
    const up = new DetectUploadModel(campaign);
    await up.goto();
    await up.chooseFile('dns-2024-11-05.log', LOG);
    await up.check('dns-2024-11-05.log');
    expect(await up.verdict().textContent()).toMatch(/^No matches — that’s good news/);
    expect(await up.count('Lines checked')).toBe('3');
    expect(await up.count('Indicators checked')).toBe('1');
    expect(await campaign.content()).not.toContain(INDICATOR);
    await shot(campaign, 'run-no-hit');
    await expectAccessible(campaign, 'detect: log check without a match');
    const hits = new DetectHitsModel(campaign);
    await hits.goto();
    await hits.empty().waitFor();
    expect((await campaign.request.get(`/api/detect/hits`)).ok()).toBe(true);
    expect(((await (await campaign.request.get(`/api/detect/hits`)).json()) as { items: unknown[] }).items).toEqual([]);
  });

  test('an indicator shared later is found in the stored log: the county gets a live notice', async () => {
    const hits = new DetectHitsModel(county);
    await hits.goto();
    await expect.poll(() => hits.rows().count()).toBe(1);
    const later = await s.world.as('HUB_ANALYST').post('/api/intel/indicators', { name: 'Scanner address seen on election night', pattern: "[ipv4-addr:value = '203.0.113.99']", tlp: 'GREEN', communityIds: [s.world.community.OFFICIALS] });
    expect(later.statusCode, later.body).toBe(201);
    await hits.banner().waitFor({ timeout: 30_000 });
    expect(await hits.banner().textContent()).toMatch(/1 new match found in your stored logs/);
    await shot(county, 'detections-retrohunt-banner');
    await expectAccessible(county, 'detect: retro-hunt notice');
    await hits.banner().getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => hits.rows().count()).toBe(2);
    await hits.rows().first().getByText('Found later').waitFor();
    await shot(county, 'detections-after-retrohunt');
  });
});
