import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { expectAccessible } from './models/a11y.ts';
import { IntelCreateModel, IntelIngestModel, IntelObjectModel, IntelSearchModel } from './models/IntelModels.ts';
import { ShellModel } from './models/ShellModel.ts';
import { signedInPage } from './models/SignInModel.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';

let s: Stack;
/** An analyst of the Arizona state office (shares, and may see what Arizona shares). */
let analyst: Page;
/** A member of Fulton County (Georgia): in the same OFFICIALS community, another organisation. */
let outsider: Page;
const SHOTS = process.env.RAMPART_SHOTS ?? path.join(os.tmpdir(), 'rampart-intel');

const signIn = async (email: string): Promise<Page> => signedInPage(await s.context(), email, TEST_PASSWORD, TOTP_SECRET);
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  s = await startStack();
  await s.addMfaUser('az.analyst@intel.test', s.world.org.STATE_AZ, 'analyst');
  await s.addMfaUser('fulton.member@intel.test', s.world.org.COUNTY_FULTON, 'member');
  // Arizona's first share also publishes its organisation identity (TLP:CLEAR); do it before the pages open,
  // so the live counts below are about the test's own objects only.
  const first = await s.world.as('AZ_ANALYST').post('/api/intel/indicators', { name: 'AZ election-night site defacement', pattern: "[url:value = 'https://results-az.example/']", tlp: 'GREEN' });
  expect(first.statusCode, first.body).toBe(201);
  analyst = await signIn('az.analyst@intel.test');
  outsider = await signIn('fulton.member@intel.test');
});
screenshotsOnFailure(() => ({ analyst, outsider }));
afterAll(async () => {
  await s?.close();
});

describe('intel: who sees what', () => {
  test('an AMBER record of one organisation is invisible to a GREEN community member of another: not listed, not searchable, not by URL, not live', async () => {
    const mine = new IntelSearchModel(analyst);
    const theirs = new IntelSearchModel(outsider);
    await mine.goto();
    await theirs.goto();

    // Arizona shares an AMBER indicator (default communities: ALL and OFFICIALS — Fulton is in both).
    const amber = await s.world.as('AZ_ANALYST').post('/api/intel/indicators', { name: 'AZ pollbook phishing host', pattern: "[ipv4-addr:value = '198.51.100.23']", tlp: 'AMBER', labels: ['phishing'] });
    expect(amber.statusCode, amber.body).toBe(201);
    const amberId = amber.json().object.id as string;

    // Someone who may see it gets the live banner…
    await mine.banner().filter({ hasText: '1 new object' }).waitFor();
    await shot(analyst, 'search-live-banner');
    await expectAccessible(analyst, 'intel search: live banner');
    await mine.showNew();
    await mine.link('AZ pollbook phishing host').waitFor();

    // …then Arizona shares a GREEN one: the outsider's banner counts exactly one, so the AMBER event never reached them.
    const green = await s.world.as('AZ_ANALYST').post('/api/intel/indicators', { name: 'AZ public lookalike domain', pattern: "[domain-name:value = 'az-vote-info.example']", tlp: 'GREEN' });
    expect(green.statusCode, green.body).toBe(201);
    await theirs.banner().waitFor();
    expect(await theirs.banner().textContent()).toMatch(/^1 new object shared/);
    await theirs.showNew();
    await theirs.link('AZ public lookalike domain').waitFor();
    expect(await theirs.link('AZ pollbook phishing host').count()).toBe(0);
    await mine.banner().filter({ hasText: '1 new object' }).waitFor();

    // Not by search, by text or by its observable value.
    await theirs.search('pollbook');
    await outsider.getByRole('heading', { name: 'Nothing matches' }).waitFor();
    await expectAccessible(outsider, 'intel search: nothing matches');
    await theirs.goto('?observable=198.51.100.23');
    await outsider.getByRole('heading', { name: 'Nothing matches' }).waitFor();

    // Not by URL: the page says not found, and the API answers 404.
    const obj = new IntelObjectModel(outsider);
    await obj.gotoId(amberId);
    expect(await obj.heading()).toBe('Object not found');
    await outsider.getByText('This object does not exist, or it has not been shared with your organisation.').waitFor();
    await shot(outsider, 'object-not-found');
    await expectAccessible(outsider, 'intel object: not found');
    const api = await outsider.request.get(`/api/intel/objects/${amberId}`);
    expect(api.status()).toBe(404);
    expect((await outsider.request.get(`/api/intel/objects/${amberId}/versions`)).status()).toBe(404);

    // The sharer's side: the object page reads well and says who can see it.
    const own = new IntelObjectModel(analyst);
    await own.gotoId(amberId);
    expect(await own.heading()).toBe('AZ pollbook phishing host');
    await analyst.getByTestId('pattern').filter({ hasText: "[ipv4-addr:value = '198.51.100.23']" }).waitFor();
    await analyst.getByRole('region', { name: 'Who can see this' }).getByText('TLP:AMBER').waitFor();
    await shot(analyst, 'object-page');
    await expectAccessible(analyst, 'intel object');
  });
});

describe('intel: sharing and uploading', () => {
  test('create an indicator through the form: the server’s pattern error sits next to the field; then it is found in search', async () => {
    const form = new IntelCreateModel(analyst);
    await form.goto();
    await analyst.getByRole('textbox', { name: /^Name/ }).fill('Fake absentee-ballot tracker');
    await form.pattern().fill("[domain-name:value = 'ballot-track.example'");
    await form.submit();
    await analyst.getByRole('alert').filter({ hasText: 'The indicator was not shared' }).waitFor();
    expect(await form.pattern().getAttribute('aria-invalid')).toBe('true');
    await analyst.getByText(/expected/).first().waitFor();
    await analyst.getByTestId('pattern-caret').waitFor();
    await shot(analyst, 'create-pattern-error');
    await expectAccessible(analyst, 'intel: pattern error');

    await form.useHelper('Domain name', 'ballot-track.example');
    expect(await form.pattern().inputValue()).toBe("[domain-name:value = 'ballot-track.example']");
    await analyst.getByRole('radio', { name: /TLP:GREEN/ }).check();
    await shot(analyst, 'create-filled');
    await form.submit();
    await analyst.getByRole('heading', { name: 'Fake absentee-ballot tracker', level: 1 }).waitFor();
    await analyst.getByRole('region', { name: 'Who can see this' }).getByText('TLP:GREEN').waitFor();
    await expectAccessible(analyst, 'intel object: created');

    const search = new IntelSearchModel(analyst);
    await search.goto();
    await search.search('absentee');
    await search.link('Fake absentee-ballot tracker').waitFor();
    expect(await search.count()).toMatch(/Showing 1 object matching/);
    await shot(analyst, 'search-results');
  });

  test('upload a small STIX bundle and watch the job finish, with the refused object listed', async () => {
    const now = new Date().toISOString();
    const ind = (n: number, value: string) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--0000000${n}-1111-4222-8333-444455556666`, created: now, modified: now, name: `Bundle indicator ${n}`, pattern: `[ipv4-addr:value = '${value}']`, pattern_type: 'stix', valid_from: now });
    const bundle = {
      type: 'bundle',
      id: 'bundle--9a8b7c6d-1111-4222-8333-444455556666',
      objects: [ind(1, '203.0.113.10'), ind(2, '203.0.113.11'), { ...ind(3, '203.0.113.12'), pattern: "[ipv4-addr:value = '203.0.113.12'" }],
    };
    const up = new IntelIngestModel(analyst);
    await up.goto();
    await up.chooseFile('county-feed.json', JSON.stringify(bundle));
    expect(await analyst.getByRole('radio', { name: 'STIX bundle' }).isChecked()).toBe(true);
    await shot(analyst, 'ingest-chosen');
    await up.upload();
    await up.waitFinished();
    expect(await up.count('Added')).toBe('2');
    expect(await up.count('Refused')).toBe('1');
    await analyst.getByTestId('ingest-error-table').getByText('indicator--00000003-1111-4222-8333-444455556666').waitFor();
    await shot(analyst, 'ingest-finished');
    await expectAccessible(analyst, 'intel: upload finished');

    const search = new IntelSearchModel(analyst);
    await search.goto('?source=stix-file');
    await search.link('Bundle indicator 1').waitFor();
    await search.link('Bundle indicator 2').waitFor();
  });

  test('export and TAXII subscriptions pages', async () => {
    const shell = new ShellModel(analyst);
    await analyst.goto('/infrastructure/intel/export');
    await analyst.getByRole('heading', { name: 'Export threat intel', level: 1 }).waitFor();
    await expectAccessible(analyst, 'intel: export');
    const href = await analyst.getByRole('link', { name: 'Download STIX bundle' }).getAttribute('href');
    const res = await analyst.request.get(href!);
    expect(res.status()).toBe(200);
    expect(((await res.json()) as { type: string }).type).toBe('bundle');

    await shell.nav('TAXII feeds', 'TAXII subscriptions');
    await analyst.getByRole('heading', { name: 'No subscriptions yet' }).waitFor();
    await analyst.getByRole('button', { name: 'New subscription' }).click();
    await analyst.getByRole('dialog').waitFor();
    await analyst.getByRole('textbox', { name: /^Name/ }).fill('Test ISAC');
    await analyst.getByRole('textbox', { name: /^API root URL/ }).fill('not a url');
    await analyst.getByRole('textbox', { name: /^Collection ID/ }).fill('c1');
    await analyst.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await analyst.getByRole('alert').filter({ hasText: 'The subscription was not saved' }).waitFor();
    await expectAccessible(analyst, 'intel: new subscription error');
    await shot(analyst, 'subscription-error');
    await analyst.getByRole('textbox', { name: /^API root URL/ }).fill('http://127.0.0.1:9/taxii2/api1/');
    await analyst.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await analyst.getByRole('dialog').waitFor({ state: 'detached' });
    await analyst.getByText('Test ISAC', { exact: true }).waitFor();
    await analyst.getByRole('button', { name: 'Check now: Test ISAC' }).click();
    // 127.0.0.1 is refused as an upstream (private network): the row says so, in words.
    await analyst.getByTestId('toast').filter({ hasText: 'Test ISAC: the feed could not be read' }).waitFor({ timeout: 30_000 });
    await analyst.getByText(/^Failing/).first().waitFor();
    await shot(analyst, 'subscriptions');
    await expectAccessible(analyst, 'intel: subscriptions');
    await analyst.getByRole('button', { name: 'Delete: Test ISAC' }).click();
    await analyst.getByRole('button', { name: 'Delete subscription' }).click();
    await analyst.getByRole('heading', { name: 'No subscriptions yet' }).waitFor();
  });
});
