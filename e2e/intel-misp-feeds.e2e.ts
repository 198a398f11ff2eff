import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectAccessible } from './models/a11y.ts';
import { IntelSearchModel } from './models/IntelModels.ts';
import { ShellModel } from './models/ShellModel.ts';
import { signedInPage } from './models/SignInModel.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';

/**
 * The MISP feeds page: an analyst adds a feed served by a local HTTP server (a manifest.json and one
 * event file, behind a header), Rampart pulls it, the page shows the counts and the indicator is found
 * in intel search; a member of the same organisation sees the feeds but cannot add one.
 */
let s: Stack;
let analyst: Page;
let member: Page;
let feed: http.Server;
let feedUrl: string;
let feedName: string;
const requests: { url: string; key: string | undefined }[] = [];
const SHOTS = process.env.RAMPART_SHOTS ?? path.join(os.tmpdir(), 'rampart-intel');
const KEY = 'e2e-feed-key-7f3a';
const VALUE = 'ballot-status-e2e.example';

const EVENT = {
  Event: {
    uuid: '3f1e0c55-9d0a-4c7b-8f15-6a3e0b9d2c41',
    info: 'Fake ballot-status site (e2e feed)',
    date: '2026-11-01',
    timestamp: '1793000000',
    published: true,
    distribution: '1',
    threat_level_id: '2',
    analysis: '2',
    Orgc: { name: 'E2E ISAC', uuid: '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d' },
    Tag: [{ name: 'tlp:green' }],
    Attribute: [{ type: 'domain', category: 'Network activity', to_ids: true, uuid: '5b2d7e61-0c3a-4f8e-9d1b-2a6c4e8f0b13', timestamp: '1793000000', value: VALUE, comment: 'Fake ballot status lookup', distribution: '5' }],
  },
};
const FILES: Record<string, string> = {
  '/feed/manifest.json': JSON.stringify({ [EVENT.Event.uuid]: { info: EVENT.Event.info, timestamp: Number(EVENT.Event.timestamp), Tag: EVENT.Event.Tag, Orgc: EVENT.Event.Orgc } }),
  [`/feed/${EVENT.Event.uuid}.json`]: JSON.stringify(EVENT),
};

const signIn = async (email: string): Promise<Page> => signedInPage(await s.context(), email, TEST_PASSWORD, TOTP_SECRET);
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const row = (page: Page) => page.getByRole('row').filter({ hasText: feedName });

beforeAll(async () => {
  feed = http.createServer((req, res) => {
    const key = req.headers['x-feed-key'] as string | undefined;
    requests.push({ url: req.url!, key });
    if (key !== KEY) return void res.writeHead(401).end();
    const body = FILES[req.url!];
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(body ?? '{}');
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  const { port } = feed.address() as AddressInfo;
  feedUrl = `http://127.0.0.1:${port}/feed/`;
  feedName = `127.0.0.1:${port}/feed`;
  s = await startStack({ ALLOW_PRIVATE_WEBHOOKS: 'true' }); // the feed is served from 127.0.0.1
  await s.addMfaUser('az.analyst@feeds.test', s.world.org.STATE_AZ, 'analyst');
  await s.addMfaUser('az.member@feeds.test', s.world.org.STATE_AZ, 'member');
  analyst = await signIn('az.analyst@feeds.test');
  member = await signIn('az.member@feeds.test');
});
screenshotsOnFailure(() => ({ analyst, member }));
afterAll(async () => {
  await s?.close();
  feed?.close();
});

describe('MISP feeds page', () => {
  test('an analyst adds a feed behind a header, sees it pulled with its counts, pulls it again, edits it, and finds the indicator in search', async () => {
    await analyst.goto('/infrastructure/intel');
    await analyst.getByRole('heading', { name: 'Threat intel', level: 1 }).waitFor();
    await new ShellModel(analyst).nav('MISP feeds');
    await analyst.getByRole('heading', { name: 'No MISP feeds yet' }).waitFor();

    // The server's 4xx lands next to the field it names.
    await analyst.getByRole('button', { name: 'Add a MISP feed' }).first().click();
    const dialog = analyst.getByRole('dialog');
    await dialog.waitFor();
    const url = dialog.getByRole('textbox', { name: /^Feed URL/ });
    await url.fill('not a url');
    await dialog.getByRole('button', { name: 'Add feed' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'The feed was not saved' }).waitFor();
    expect(await url.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(analyst, 'MISP feeds: URL error');
    await shot(analyst, 'misp-feed-error');

    await url.fill(feedUrl);
    await dialog.getByRole('textbox', { name: /^Authentication header/ }).fill('X-Feed-Key');
    await dialog.getByRole('button', { name: 'Add feed' }).click();
    await dialog.getByText('the value to send in X-Feed-Key').waitFor();
    expect(await url.getAttribute('aria-invalid')).not.toBe('true');
    await expectAccessible(analyst, 'MISP feeds: header value error');
    await dialog.getByLabel(/^Header value/).first().fill(KEY);
    await dialog.getByRole('button', { name: 'Add feed' }).click();
    await dialog.waitFor({ state: 'detached' });

    // The first pull runs in the background (the pg-boss worker): the row shows its outcome.
    await row(analyst).getByText('Working', { exact: true }).waitFor({ timeout: 30_000 });
    await row(analyst).getByTestId('last-pull').filter({ hasText: '1 event,' }).waitFor();
    expect(await row(analyst).getByTestId('events-pulled').textContent()).toBe('1');
    expect(await row(analyst).getByTestId('last-pull').textContent()).toMatch(/1 event, [1-9]\d* new objects?, 0 already known, 0 refused/);
    await row(analyst).getByText(/X-Feed-Key header stored/).waitFor();
    expect(requests.map((r) => r.url)).toEqual(['/feed/manifest.json', `/feed/${EVENT.Event.uuid}.json`]);
    expect(requests.every((r) => r.key === KEY)).toBe(true);
    await expectAccessible(analyst, 'MISP feeds: one feed pulled');
    await shot(analyst, 'misp-feeds');

    // Pull now: only the manifest is fetched again (the event is older than the cursor).
    await analyst.getByRole('button', { name: `Pull now: ${feedName}` }).click();
    await analyst.getByTestId('toast').filter({ hasText: `${feedName}: pull started` }).waitFor();
    await expect.poll(() => requests.length, { timeout: 30_000 }).toBe(3);
    expect(requests[2]!.url).toBe('/feed/manifest.json');
    await row(analyst).getByTestId('last-pull').filter({ hasText: '0 events,' }).waitFor({ timeout: 30_000 });
    expect(await row(analyst).getByTestId('events-pulled').textContent()).toBe('1');

    // Edit: the interval and the TLP applied; the stored header value is kept.
    await analyst.getByRole('button', { name: `Edit: ${feedName}` }).click();
    await dialog.waitFor();
    expect(await dialog.getByRole('textbox', { name: /^Authentication header/ }).inputValue()).toBe('X-Feed-Key');
    await dialog.getByRole('textbox', { name: /^Pull every/ }).fill('30');
    await dialog.getByRole('radio', { name: /TLP:AMBER\+STRICT|AMBER\+STRICT/ }).check();
    await expectAccessible(analyst, 'MISP feeds: edit');
    await shot(analyst, 'misp-feed-edit');
    await dialog.getByRole('button', { name: 'Save feed' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(analyst).getByText(/^Every 30 minutes · next/).waitFor();
    await row(analyst).getByText('X-Feed-Key header stored', { exact: false }).waitFor();

    // The indicator the feed brought is in intel search.
    const search = new IntelSearchModel(analyst);
    await search.goto();
    await search.search(VALUE);
    const hit = analyst.getByTestId('intel-results').getByRole('row').filter({ hasText: 'Indicator' }).filter({ hasText: 'MISP feed' });
    await hit.first().waitFor();
    await hit.first().getByRole('link').click();
    await analyst.getByText(`[domain-name:value = '${VALUE}']`).first().waitFor();
  });

  test('a member of the same organisation sees the feeds but cannot add, pull or delete them', async () => {
    await member.goto('/infrastructure/intel/misp-feeds');
    await member.getByRole('heading', { name: 'MISP feeds', level: 1 }).waitFor();
    await row(member).getByText('Working', { exact: true }).waitFor();
    await member.getByText('Analysts and organisation admins can add and manage MISP feeds.').waitFor();
    expect(await member.getByRole('button', { name: /Add a MISP feed|Pull now|Delete/ }).count()).toBe(0);
    await expectAccessible(member, 'MISP feeds: member');
    const res = await s.world.as('AZ_MEMBER').post('/api/intel/misp-feeds', { url: 'http://127.0.0.1:9/other/' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('INTEL_FORBIDDEN');
  });

  test('delete asks first, then the empty state comes back', async () => {
    await analyst.goto('/infrastructure/intel/misp-feeds');
    await analyst.getByRole('button', { name: `Delete: ${feedName}` }).click();
    await analyst.getByRole('dialog').getByText('Rampart stops pulling this feed').waitFor();
    await expectAccessible(analyst, 'MISP feeds: delete confirmation');
    await analyst.getByRole('button', { name: 'Delete MISP feed' }).click();
    await analyst.getByRole('heading', { name: 'No MISP feeds yet' }).waitFor();
  });
});
