import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expectAccessible } from './models/a11y.ts';
import { signedInPage } from './models/SignInModel.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';

let s: Stack;
let hub: Page;
let fulton: Page;

/** A sighting recorded today by an organisation, with the given sharing (what detect writes after a run). */
async function sighting(orgId: string, tlp: string, recipientOrgIds: string[]): Promise<void> {
  const now = s.r.core.clock.now();
  await sql`INSERT INTO detect_sightings (id, indicator_id, org_id, count, first_seen, last_seen, created, modified, owner_org_id, tlp, recipient_org_ids)
    VALUES (${`sighting--${randomUUID()}`}, ${`indicator--${randomUUID()}`}, ${orgId}, 3, ${now}, ${now}, ${now}, ${now}, ${orgId}, ${tlp}, ${recipientOrgIds}::uuid[])`.execute(s.r.core.database.db);
}

beforeAll(async () => {
  s = await startStack();
  await s.addMfaUser('hub.analyst@picture.test', s.world.org.HUB, 'analyst');
  await s.addMfaUser('fulton.member@picture.test', s.world.org.COUNTY_FULTON, 'member');
  // Maricopa County (AZ) reports AMBER sightings shared with the hub: the hub sees Arizona light up, Fulton County (GA) does not.
  for (let i = 0; i < 3; i++) await sighting(s.world.org.COUNTY_MARICOPA, 'AMBER', [s.world.org.HUB]);
  hub = await signedInPage(await s.context(), 'hub.analyst@picture.test', TEST_PASSWORD, TOTP_SECRET);
  fulton = await signedInPage(await s.context(), 'fulton.member@picture.test', TEST_PASSWORD, TOTP_SECRET);
});
screenshotsOnFailure(() => ({ hub, fulton }));
afterAll(async () => {
  await s?.close();
});

const area = (p: Page, fips: string) => p.locator(`svg.picture-map path[data-fips="${fips}"]`);

describe('operating picture', () => {
  test('the map draws the states by posture; Enter on a state drills into its counties; the page passes axe', async () => {
    await hub.goto(`${s.web.url}/warning/picture`);
    await hub.getByRole('heading', { level: 1, name: 'Operating picture' }).waitFor();
    await area(hub, '04').waitFor();
    // the 50 states, DC and the five territories are drawn (territories in insets)
    expect(await hub.locator('svg.picture-map path[data-fips]').count()).toBe(56);
    for (const territory of ['72', '78', '66', '69', '60']) await area(hub, territory).waitFor();
    const arizona = area(hub, '04');
    expect(await arizona.getAttribute('aria-label')).toMatch(/^Arizona: posture Guarded, 0 active alerts, 0 open incidents, 3 recent sightings/);
    expect(await area(hub, '13').getAttribute('aria-label')).toMatch(/^Georgia: posture None/);
    // the table alternative says the same
    await hub.getByRole('table').filter({ hasText: 'Every state' }).getByRole('row', { name: /Arizona/ }).filter({ hasText: 'Guarded' }).waitFor();
    await hub.getByRole('heading', { name: 'Trends' }).waitFor();
    await hub.getByText('Sightings per day by state', { exact: true }).waitFor();
    await expectAccessible(hub, 'picture: states map, table and trends');
    await hub.screenshot({ path: path.join(os.tmpdir(), 'rampart-picture-states.png'), fullPage: true });

    // the map's tab stops can be skipped
    await hub.getByRole('link', { name: 'Skip the map: the same figures as a table' }).focus();
    await hub.keyboard.press('Enter');
    expect(await hub.locator('#table-h:focus').count()).toBe(1);

    // keyboard: focus Arizona and press Enter
    await arizona.focus();
    await hub.keyboard.press('Enter');
    await hub.getByRole('heading', { level: 2, name: 'Arizona: posture by county' }).waitFor();
    await area(hub, '04013').waitFor();
    expect(await area(hub, '04013').getAttribute('aria-label')).toMatch(/^Maricopa: posture Guarded, .*3 recent sightings/);
    expect(await hub.locator('svg.picture-map path[data-fips]').count()).toBe(15);
    await area(hub, '04013').click();
    await hub.getByText(/^Maricopa$/).first().waitFor();
    await expectAccessible(hub, 'picture: Arizona counties');
    await hub.screenshot({ path: path.join(os.tmpdir(), 'rampart-picture-arizona.png'), fullPage: true });
    await hub.getByRole('button', { name: 'Back to the United States' }).click();
    await hub.getByRole('heading', { level: 2, name: 'Posture by state' }).waitFor();
  });

  test('a Fulton County member does not see the AMBER sightings of Maricopa County', async () => {
    await fulton.goto(`${s.web.url}/warning/picture?state=04`);
    await area(fulton, '04013').waitFor();
    expect(await area(fulton, '04013').getAttribute('aria-label')).toMatch(/^Maricopa: posture None, 0 active alerts, 0 open incidents, 0 recent sightings/);
  });

  test('bad trend filters are refused with the field named', async () => {
    await hub.goto(`${s.web.url}/warning/picture`);
    await hub.getByRole('textbox', { name: 'From', exact: true }).fill('2026-03-01');
    await hub.getByRole('textbox', { name: 'To', exact: true }).fill('2026-01-01');
    await hub.getByRole('button', { name: 'Show trends' }).click();
    await hub.getByText(/must not be after to/).waitFor();
  });
});
