import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemActor } from '../src/server/core/access/actor.ts';
import { expectAccessible } from './models/a11y.ts';
import { ImportModel, OrgFormModel, OrgListModel } from './models/DirectoryModels.ts';
import { ShellModel } from './models/ShellModel.ts';
import { SignInModel } from './models/SignInModel.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';

let s: Stack;
let page: Page;
const ADMIN = 'directory.admin@personas.test';

beforeAll(async () => {
  s = await startStack();
  await s.addMfaUser(ADMIN, s.world.org.HUB, 'org_admin');
  page = await (await s.context()).newPage();
  const signIn = new SignInModel(page);
  await signIn.goto();
  await signIn.submitPassword(ADMIN, TEST_PASSWORD);
  await signIn.expectCodeStep();
  await signIn.enterTotp(TOTP_SECRET);
  await new ShellModel(page).expectOverview();
});
// On failure, a screenshot of where the test was (outside the repository).
screenshotsOnFailure(() => ({ page }));
afterAll(async () => {
  await s?.close();
});

describe('directory', () => {
  test('create an organisation through the form, with a contact, and see it in the list', async () => {
    const list = new OrgListModel(page);
    await list.goto();
    const form = new OrgFormModel(page);
    await form.gotoNew();
    await form.fill({ name: 'Pima County Elections', kind: 'Local election office', parent: 'STATE_AZ org', jurisdiction: 'Pima, Arizona', website: 'not a url' });
    await form.fillContact(0, { name: 'Pima duty desk', role: 'Duty officer', phone: '+1 520 555 0100', email: 'duty@pima.example' });
    await form.submit();
    // The server refuses the website; the message sits next to the field.
    const website = page.getByLabel(/^Website/);
    await page.getByRole('alert').filter({ hasText: 'The organisation was not saved' }).waitFor();
    expect(await website.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'organisation form: field error');
    await website.fill('https://pima.example');
    await form.submit();

    await page.getByRole('heading', { name: 'Pima County Elections', level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'Pima duty desk' }).waitFor();
    await page.getByRole('link', { name: 'STATE_AZ org' }).waitFor();
    await expectAccessible(page, 'organisation detail');

    await list.goto();
    await list.search('Pima');
    expect(await list.count()).toMatch(/Showing 1–1 of 1 organisation\b/);
    await list.row('Pima County Elections').getByText('Local election office').waitFor();
    await expectAccessible(page, 'organisations: search');
  });

  test('filters, sorting and the empty state', async () => {
    const list = new OrgListModel(page);
    await list.goto();
    await page.getByRole('button', { name: /^Name/ }).click();
    await page.waitForURL(/sort=-name/);
    await page.locator('th[aria-sort="descending"]', { hasText: 'Name' }).waitFor();
    // The rows follow: the first name now sorts after the last.
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } }).document;
      const names = Array.from(d.querySelectorAll('tbody tr td:first-child a')).map((a) => a.textContent ?? '');
      return names.length > 1 && names[0]!.localeCompare(names[names.length - 1]!) > 0;
    });
    await list.search('no such organisation anywhere');
    await page.getByRole('heading', { name: 'No organisations match' }).waitFor();
    await expectAccessible(page, 'organisations: empty');
  });

  test('CSV import with an error row shows the report; importing only the valid rows works', async () => {
    const imp = new ImportModel(page);
    await imp.goto();
    await imp.chooseFile(
      'offices.csv',
      'name,kind,parent,jurisdiction_fips,contact_name,contact_email\n' +
        'Cochise County Elections,local_election_office,STATE_AZ org,04003,Cochise duty,duty@cochise.example\n' +
        'Nowhere Office,space_agency,,99999,,\n' +
        'Yuma County Elections,local_election_office,STATE_AZ org,04027,,\n',
    );
    await imp.submit();
    await page.getByText('Nothing was imported').waitFor();
    const rows = await imp.errorRows();
    expect(rows.some((r) => r.startsWith('3 kind'))).toBe(true);
    expect(rows.every((r) => r.startsWith('3 '))).toBe(true);
    await imp.importValidOnly();
    await page.getByText(/2 created, 0 updated, 1 row skipped/).waitFor();
    await expectAccessible(page, 'import: committed');

    const list = new OrgListModel(page);
    await list.goto();
    await list.search('County Elections');
    await list.row('Cochise County Elections').waitFor();
    await list.row('Yuma County Elections').waitFor();
  });
});

describe('every other page', () => {
  test('communities, jurisdictions and the lines of effort', async () => {
    const shell = new ShellModel(page);
    await page.goto('/');
    await shell.expectOverview();
    await shell.nav('Communities');
    await page.getByRole('cell', { name: 'OFFICIALS community', exact: true }).waitFor();
    await shell.nav('Jurisdictions');
    await page.getByRole('searchbox', { name: 'Search' }).fill('Maricopa');
    await page.getByRole('cell', { name: '04013' }).waitFor();
    await expectAccessible(page, 'jurisdictions: search');
    // Lines with modules say what is available now; the others say plainly that nothing is live yet.
    for (const [line, text] of [['Election infrastructure', 'Available now'], ['Campaigns & parties', 'Not available yet'], ['Public awareness', 'Not available yet'], ['Warning & response', 'Available now']] as const) {
      await shell.nav(line);
      await page.getByRole('heading', { name: line, level: 1 }).waitFor();
      await page.getByText(text, { exact: true }).first().waitFor();
    }
  });

  test('API tokens: create (shown once, with copy), list, revoke with confirmation', async () => {
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Account and security', level: 1 }).waitFor();
    await expectAccessible(page, 'account');
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Name/).fill('SIEM TAXII pull');
    await dialog.getByRole('checkbox', { name: /^TAXII/ }).check();
    await expectAccessible(page, 'create token dialog');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await dialog.getByText('Copy it now: it is shown only once').waitFor();
    const token = (await dialog.getByTestId('secret-value').textContent())!.trim();
    expect(token.length).toBeGreaterThan(20);
    await dialog.getByRole('button', { name: 'Copy API token' }).waitFor();
    await expectAccessible(page, 'token shown once');
    // The token works against the API.
    const me = await fetch(`${s.web.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    await dialog.getByRole('button', { name: 'Done' }).click();

    const row = page.getByTestId('tokens').getByRole('row').filter({ hasText: 'SIEM TAXII pull' });
    await row.getByText('read, taxii').waitFor();
    await row.getByRole('button', { name: 'Revoke token SIEM TAXII pull' }).click();
    await page.getByRole('dialog', { name: 'Revoke this token?' }).waitFor();
    await expectAccessible(page, 'revoke confirmation');
    await page.getByRole('button', { name: 'Revoke token', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    expect((await fetch(`${s.web.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  test('audit log with filters and keyset "load more"', async () => {
    // A platform admin reads the whole log (an organisation admin only their organisation's part).
    await s.addMfaUser('audit.platform@personas.test', null, 'member', true);
    for (let i = 0; i < 60; i++) await s.r.services.directory.createCommunity(systemActor('e2e'), `Audit filler ${i}`, '');
    const page = await (await s.context()).newPage();
    const signIn = new SignInModel(page);
    await signIn.goto('/admin/audit');
    await signIn.submitPassword('audit.platform@personas.test', TEST_PASSWORD);
    await signIn.expectCodeStep();
    await signIn.enterTotp(TOTP_SECRET);
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByRole('table').waitFor();
    await expectAccessible(page, 'audit log');
    const before = await page.locator('tbody tr').count();
    expect(before).toBe(50);
    await page.getByRole('button', { name: 'Load 50 more' }).click();
    await page.locator('tbody tr').nth(50).waitFor();
    await page.getByLabel('Action').fill('auth.token.revoke');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('cell', { name: 'auth.token.revoke' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await expectAccessible(page, 'audit log: filtered');
  });
});
