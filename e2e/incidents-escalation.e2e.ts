import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectAccessible } from './models/a11y.ts';
import { choose } from './models/DirectoryModels.ts';
import { IncidentCaseModel } from './models/IncidentModels.ts';
import { signedInPage } from './models/SignInModel.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';

/**
 * Consent and escalation in the browser: the reporting county consents, the hub escalates a sanitised
 * version to a named federal partner, the partner sees that version and nothing of the original, and
 * another county gets "not found" for both by URL. Every page visited is checked with axe.
 */
let s: Stack;
let county: Page;
let hub: Page;
let partner: Page;
let otherCounty: Page;
let id = '';
let escalationId = '';

// Details that stay with the county: the partner must never see them.
const ORIGINAL_TITLE = 'Jane Roe clicked a phishing link at the Mesa elections office';
const PRIVATE = 'Jane Roe (poll-worker coordinator, ext. 4417) typed her password at login.evil-elections.com';
const SANITISED_TITLE = 'Credential phishing against a county election office';
const SANITISED_SUMMARY = 'A county election office received password-reset phishing during early voting; one account was used from an outside address. Watch for the same lure.';

const SHOTS = process.env.RAMPART_SHOTS ?? path.join(os.tmpdir(), 'rampart-incidents');
mkdirSync(SHOTS, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const signIn = async (email: string): Promise<Page> => signedInPage(await s.context(), email, TEST_PASSWORD, TOTP_SECRET);

beforeAll(async () => {
  s = await startStack();
  await s.addMfaUser('maricopa.analyst@esc.test', s.world.org.COUNTY_MARICOPA, 'analyst');
  await s.addMfaUser('hub.analyst@esc.test', s.world.org.HUB, 'analyst');
  await s.addMfaUser('federal.analyst@esc.test', s.world.org.FEDERAL, 'analyst');
  await s.addMfaUser('fulton.member@esc.test', s.world.org.COUNTY_FULTON, 'member');
  // The report itself comes through the API (the report form has its own browser test).
  const created = await s.world.as('MARICOPA_MEMBER').post('/api/incidents', {
    title: ORIGINAL_TITLE, incidentType: 'phishing_account_compromise', whatHappened: PRIVATE, detectedAt: '2024-10-20T14:05:00Z', functionalImpact: 'minimal_non_critical',
    informationImpact: 'suspected_not_identified', recoverability: 'regular', attackVector: 'email_phishing', affectedSystems: 'Mailbox of J. Roe', electionSystems: ['email'], electionPhase: 'early_voting',
  });
  expect(created.statusCode, created.body).toBe(201);
  id = created.json().id;
  expect((await s.world.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/submit`)).statusCode).toBe(200);
  county = await signIn('maricopa.analyst@esc.test');
  hub = await signIn('hub.analyst@esc.test');
  partner = await signIn('federal.analyst@esc.test');
  otherCounty = await signIn('fulton.member@esc.test');
});
screenshotsOnFailure(() => ({ county, hub, partner, other: otherCounty }));
afterAll(async () => {
  await s?.close();
});

describe('incidents: consent and escalation to a named partner', () => {
  test('before consent the hub can only wait', async () => {
    const c = new IncidentCaseModel(hub);
    await c.gotoId(id);
    await c.section('Escalation to partners').getByText('Waiting for the reporting office’s consent.').waitFor();
    expect(await c.section('Escalation to partners').getByRole('button', { name: 'Prepare a sanitised version' }).count()).toBe(0);
    await expectAccessible(hub, 'incident case (hub, no consent yet)');
  });

  test('the reporting county consents to a sanitised version', async () => {
    const c = new IncidentCaseModel(county);
    await c.gotoId(id);
    const section = c.section('Escalation to partners');
    await section.getByRole('button', { name: 'Agree to a sanitised version' }).click();
    await section.getByRole('button', { name: 'Withdraw consent' }).waitFor();
    await section.getByText(/The reporting office agreed/).waitFor();
    await expectAccessible(county, 'incident case (county, consent given)');
  });

  test('the hub escalates a sanitised version to the federal partner', async () => {
    const c = new IncidentCaseModel(hub);
    await c.gotoId(id);
    const section = c.section('Escalation to partners');
    await section.getByRole('button', { name: 'Prepare a sanitised version' }).click();
    await section.getByRole('textbox', { name: 'Title' }).fill(SANITISED_TITLE);
    await section.getByRole('textbox', { name: 'Summary' }).fill(SANITISED_SUMMARY);
    await section.getByRole('checkbox', { name: 'Kind of incident' }).check();
    await section.getByRole('checkbox', { name: 'Election phase' }).check();
    await choose(hub, 'Send to', 'FEDERAL org', 'FEDERAL');
    await section.getByRole('listitem').filter({ hasText: 'FEDERAL org' }).waitFor();
    await expectAccessible(hub, 'incident case (hub, escalation form)');
    await shot(hub, 'escalation-form');
    await section.getByRole('button', { name: 'Send to partners' }).click();
    await section.getByText(new RegExp(`${SANITISED_TITLE} · .* · to 1 organisation`)).waitFor();
    const sent = (await s.world.as('HUB_ANALYST').get(`/api/incidents/${id}/escalations`)).json().items as { id: string; title: string }[];
    expect(sent.map((e) => e.title)).toEqual([SANITISED_TITLE]);
    escalationId = sent[0]!.id;
  });

  test('the partner signs in and sees only the sanitised version', async () => {
    await partner.goto('/infrastructure/incidents/escalations');
    await partner.getByRole('heading', { name: 'Escalated to you', level: 1 }).waitFor();
    await partner.getByTestId('escalation-list').getByRole('link', { name: SANITISED_TITLE }).click();
    await partner.getByRole('heading', { name: SANITISED_TITLE, level: 1 }).waitFor();
    expect(await partner.getByTestId('escalation-summary').textContent()).toBe(SANITISED_SUMMARY);
    const fields = await partner.getByTestId('escalation-fields').innerText();
    expect(fields).toContain('Phishing');
    expect(fields).toContain('Early voting');
    // Nothing of the original: no title, no report text, no name, no attachment, no link to the case.
    const body = await partner.locator('body').innerText();
    for (const secret of ['Jane Roe', 'J. Roe', '4417', 'login.evil-elections.com', 'Mesa', ORIGINAL_TITLE]) expect(body, secret).not.toContain(secret);
    expect(await partner.locator(`a[href*="${id}"]`).count()).toBe(0);
    await expectAccessible(partner, 'escalation (partner)');
    await shot(partner, 'escalation-partner');
    // The original by URL is not found for the partner either.
    await partner.goto(`/infrastructure/incidents/${id}`);
    await partner.getByRole('heading', { name: 'Incident not found', level: 1 }).waitFor();
    await expectAccessible(partner, 'incident not found (partner)');
  });

  test('the hub sorts its list by a column heading (the order is in the URL)', async () => {
    await hub.goto('/infrastructure/incidents');
    const list = hub.getByTestId('incident-list');
    await list.waitFor();
    const priority = list.getByRole('columnheader', { name: /Priority/ });
    expect(await priority.getAttribute('aria-sort')).toBe('none');
    expect(await list.getByRole('columnheader', { name: /Reported/ }).getAttribute('aria-sort')).toBe('descending');
    await priority.getByRole('button').click();
    await hub.waitForURL(/sort=priority/);
    // The URL changes before the list re-renders with the new order: wait for the heading's state.
    await expect.poll(() => priority.getAttribute('aria-sort')).toBe('ascending');
    await priority.getByRole('button').click();
    await hub.waitForURL(/sort=-priority/);
    await expect.poll(() => priority.getAttribute('aria-sort')).toBe('descending');
    await expectAccessible(hub, 'incidents list (sorted by priority)');
    await shot(hub, 'list-sorted');
  });

  test('another county gets "not found" for the incident and for its escalation, by URL', async () => {
    await otherCounty.goto(`/infrastructure/incidents/${id}`);
    await otherCounty.getByRole('heading', { name: 'Incident not found', level: 1 }).waitFor();
    expect(await otherCounty.locator('body').innerText()).not.toContain('Jane Roe');
    await expectAccessible(otherCounty, 'incident not found (other county)');
    await otherCounty.goto(`/infrastructure/incidents/escalations/${escalationId}`);
    await otherCounty.getByRole('heading', { name: 'Escalation not found', level: 1 }).waitFor();
    expect(await otherCounty.locator('body').innerText()).not.toContain(SANITISED_SUMMARY);
    await expectAccessible(otherCounty, 'escalation not found (other county)');
    // The API agrees: 404, not 403.
    expect((await s.world.as('FULTON_MEMBER').get(`/api/incidents/${id}`)).statusCode).toBe(404);
    expect((await s.world.as('FULTON_MEMBER').get(`/api/incidents/escalations/${escalationId}`)).statusCode).toBe(404);
  });
});

describe('incidents: tasks on the case page', () => {
  const TASK = 'Call the county IT lead';
  test('the hub adds a task with an owner and a due date, edits it, and completes it', async () => {
    const c = new IncidentCaseModel(hub);
    await c.gotoId(id);
    const tasks = c.section('Tasks');
    await tasks.getByRole('button', { name: 'Add a task' }).click();
    const form = hub.getByRole('form', { name: 'New task' });
    await form.getByRole('textbox', { name: 'Task' }).fill(TASK);
    await form.getByRole('textbox', { name: 'Details' }).fill('Ask which mailboxes were reset.');
    await choose(hub, 'Owner', 'maricopa analyst — COUNTY_MARICOPA org');
    await form.getByLabel('Due').fill('2030-01-02T09:30');
    await expectAccessible(hub, 'incident case (add a task)');
    await shot(hub, 'task-add');
    await form.getByRole('button', { name: 'Add task' }).click();
    const item = tasks.getByTestId('tasks').getByRole('listitem').filter({ hasText: TASK });
    await item.getByText('Owner: maricopa analyst').waitFor();
    await item.getByText(/Due Jan 2, 2030/).waitFor();

    await item.getByRole('button', { name: `Edit task: ${TASK}` }).click();
    const edit = hub.getByRole('form', { name: `Edit task: ${TASK}` });
    expect(await edit.getByRole('textbox', { name: 'Task' }).inputValue()).toBe(TASK);
    expect(await edit.getByLabel('Due').inputValue()).toBe('2030-01-02T09:30');
    await edit.getByRole('textbox', { name: 'Task' }).fill(`${TASK} and the vendor`);
    await choose(hub, 'Owner', 'hub analyst (you)');
    await edit.getByRole('button', { name: 'Save task' }).click();
    const edited = tasks.getByTestId('tasks').getByRole('listitem').filter({ hasText: `${TASK} and the vendor` });
    await edited.getByText('Owner: hub analyst').waitFor();
    await expectAccessible(hub, 'incident case (task edited)');

    await edited.getByRole('checkbox', { name: `Done: ${TASK} and the vendor` }).click();
    await tasks.getByTestId('task-progress').filter({ hasText: '1 of 1 done' }).waitFor();
    const saved = (await s.world.as('HUB_ANALYST').get(`/api/incidents/${id}/tasks`)).json().items as { title: string; ownerUserId: string; dueAt: string; doneAt: string | null }[];
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ title: `${TASK} and the vendor` });
    expect(saved[0]!.doneAt).not.toBeNull();
    expect(new Date(saved[0]!.dueAt).getFullYear()).toBe(2030);
  });
});
