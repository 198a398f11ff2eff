import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectAccessible } from './models/a11y.ts';
import { IncidentCaseModel, IncidentListModel, IncidentReportModel } from './models/IncidentModels.ts';
import { signedInPage } from './models/SignInModel.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';

let s: Stack;
/** A member of Maricopa County (Arizona): the election official who reports. */
let official: Page;
/** An analyst of the national hub: triages and works the case. */
let analyst: Page;
/** A member of Fulton County (Georgia): another county, who must see nothing of it. */
let outsider: Page;
const SHOTS = process.env.RAMPART_SHOTS ?? path.join(os.tmpdir(), 'rampart-incidents');
mkdirSync(SHOTS, { recursive: true });

const TITLE = 'Phishing emails to poll-worker coordinators';
const LOG = '2024-10-20T13:31:02Z login ok user=jdoe src=203.0.113.77\n2024-10-20T13:32:10Z GET https://cdn.bad-actor.example/kit.js\n';
// A minimal Windows executable ("MZ" … "PE\0\0"), to be named .png.
const EXE = (() => {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x014c, 0x84);
  return b;
})();

const signIn = async (email: string): Promise<Page> => signedInPage(await s.context(), email, TEST_PASSWORD, TOTP_SECRET);
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  s = await startStack();
  await s.addMfaUser('maricopa.official@inc.test', s.world.org.COUNTY_MARICOPA, 'member');
  await s.addMfaUser('hub.analyst@inc.test', s.world.org.HUB, 'analyst');
  await s.addMfaUser('fulton.member@inc.test', s.world.org.COUNTY_FULTON, 'member');
  official = await signIn('maricopa.official@inc.test');
  analyst = await signIn('hub.analyst@inc.test');
  outsider = await signIn('fulton.member@inc.test');
});
screenshotsOnFailure(() => ({ official, analyst, outsider }));
afterAll(async () => {
  await s?.close();
});

describe('incidents: report → triage → playbook → closure', () => {
  let id = '';

  test('a county official reports an incident through the form, with a log attached; a disguised program is refused', async () => {
    const form = new IncidentReportModel(official);
    await form.goto();
    await form.field('Short title').fill(TITLE);
    await form.select('Kind of incident', 'Phishing or a compromised account');
    await form.field('What happened').fill('Three coordinators got mail from payroll@evil-elections.example asking them to reset their password at http://login.evil-elections.example/reset. One clicked and typed her password.');
    await official.getByRole('button', { name: 'Use the current time' }).click();
    // The draft is created and autosaved; the address now names it.
    await form.saved();
    await official.waitForURL(/\/infrastructure\/incidents\/report\/[0-9a-f-]{36}$/);
    id = official.url().split('/').pop()!;
    await shot(official, '1-report-what-happened');

    await form.next('Election systems');
    await form.checkbox('Email');
    await form.radio('Early voting');
    await form.field('Affected computers, accounts or sites').fill('Two staff mailboxes');

    // Submitting early lists what is missing, each linked to its step; the field shows its error.
    await form.toStep('Review and submit');
    await form.submit();
    const problems = official.getByTestId('submit-problems');
    await problems.waitFor();
    await problems.getByRole('button', { name: 'Effect on your operations (step 3)' }).waitFor();
    await shot(official, '2-report-missing-answers');
    await expectAccessible(official, 'incident report: missing answers');
    await problems.getByRole('button', { name: 'Effect on your operations (step 3)' }).click();
    await official.getByRole('heading', { name: 'Step 3 of 6: Impact' }).waitFor();
    expect(await form.selectInput('Effect on your operations').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(official, 'incident report: impact with errors');

    await form.select('Effect on your operations', 'Small effect on non-critical systems');
    await form.select('Effect on information', 'Suspected, not confirmed');
    await form.radio('We can recover with our own staff, as usual');
    await form.select('How it started', 'Email or phishing');
    await form.radio('Attempted (phishing sent, login attempts)');
    await shot(official, '3-report-impact');

    await form.next('Files');
    await form.dropFile('signin.log', Buffer.from(LOG), 'text/plain');
    await official.getByTestId('attachments').getByRole('link', { name: 'signin.log' }).waitFor();
    // A program renamed .png is refused, and the official is told why in plain words.
    await form.chooseFile('invoice.png', EXE, 'image/png');
    const refused = official.getByTestId('attachment-refused');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('“invoice.png” was refused: it is a program');
    expect(await official.getByTestId('attachments').getByRole('link', { name: 'invoice.png' }).count()).toBe(0);
    await shot(official, '4-report-files-refused');
    await expectAccessible(official, 'incident report: refused file');

    await form.next('Who may see it');
    expect(await official.getByRole('checkbox', { name: /^The national hub/ }).isChecked()).toBe(true);
    await official.getByRole('checkbox', { name: /^My state:/ }).check();
    expect(await official.getByRole('radio', { name: /TLP:AMBER\+STRICT/ }).isChecked()).toBe(true);
    await form.saved();
    await shot(official, '5-report-sharing');

    await form.next('Review and submit');
    await official.getByText('Two staff mailboxes').waitFor();
    await shot(official, '6-report-review');
    await form.submit();
    await official.getByTestId('reported-banner').waitFor();
    expect(await official.getByRole('heading', { level: 1 }).textContent()).toBe(TITLE);
    await official.waitForLoadState('networkidle');
    await shot(official, '7-case-official');
    await expectAccessible(official, 'incident case: just reported');
    // A member of the reporting office reads the case but does not move it.
    expect(await official.getByRole('group', { name: 'Next steps' }).count()).toBe(0);

    const api = await s.world.as('HUB_ANALYST').get(`/api/incidents/${id}`);
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json()).toMatchObject({ status: 'new', title: TITLE, electionSystems: ['email'], electionPhase: 'early_voting' });
    expect(api.json().sharing.recipientOrgIds).toEqual(expect.arrayContaining([s.world.org.HUB, s.world.org.STATE_AZ]));
  });

  test('the hub analyst triages it, applies the playbook, completes the tasks and closes it; a stale step is a clear 409', async () => {
    const list = new IncidentListModel(analyst);
    await list.goto();
    await list.link(TITLE).waitFor();
    await list.row(TITLE).getByText(/^Triage due in/).waitFor();
    await shot(analyst, '8-list-hub');
    await list.link(TITLE).click();
    const c = new IncidentCaseModel(analyst);
    await analyst.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
    await analyst.waitForLoadState('networkidle');
    await expectAccessible(analyst, 'incident case: new (hub)');
    // Observables were picked out of the report and the log.
    await c.section('Observables').getByText('203.0.113.77').waitFor();
    await c.section('Observables').getByText('payroll@evil-elections.example').waitFor();
    await shot(analyst, '9-case-hub-new');

    // Triage: priority with a rationale.
    const triage = c.section('Priority');
    await triage.getByRole('radio', { name: /^Medium/ }).check();
    await triage.getByRole('textbox', { name: /^Rationale/ }).fill('One mailbox accessed; no election system affected.');
    await triage.getByRole('button', { name: 'Triage with this priority' }).click();
    await c.section('Status').locator('.inc-status').filter({ hasText: 'Triaged' }).waitFor();
    await triage.getByTestId('priority-rationale').filter({ hasText: 'One mailbox accessed' }).waitFor();
    await analyst.waitForLoadState('networkidle');
    await expectAccessible(analyst, 'incident case: triaged');

    // Playbook: the phishing one is suggested from the kind of incident.
    await c.section('Assigned to').getByRole('button', { name: 'Assign to me' }).click();
    await c.section('Assigned to').getByTestId('assignee').filter({ hasText: '(you)' }).waitFor();
    const tasks = c.section('Tasks');
    await tasks.getByRole('button', { name: 'Apply playbook' }).click();
    await tasks.getByTestId('tasks').waitFor();
    const boxes = tasks.getByRole('checkbox', { name: /^Done:/ });
    const n = await boxes.count();
    expect(n).toBeGreaterThan(2);
    await analyst.waitForLoadState('networkidle');
    await shot(analyst, '10-case-playbook');
    await expectAccessible(analyst, 'incident case: playbook');

    // A stale button: someone else started the work meanwhile. The 409 is explained; the buttons catch up.
    expect(await c.nextSteps()).toEqual(['Start work']);
    const behind = await s.world.as('HUB_ANALYST').post(`/api/incidents/${id}/status`, { status: 'in_progress' });
    expect(behind.statusCode, behind.body).toBe(200);
    await c.section('Status').getByRole('button', { name: 'Start work' }).click();
    await c.section('Status').getByTestId('status-conflict').filter({ hasText: 'it is now In progress' }).waitFor();
    await c.section('Status').locator('.inc-status').filter({ hasText: 'In progress' }).waitFor();
    await c.section('Timeline').getByText('Triaged → In progress').waitFor();
    await shot(analyst, '11-case-409');
    await expectAccessible(analyst, 'incident case: 409');

    for (let k = 0; k < n; k++) {
      // The checkbox is controlled by the server's answer: click, then wait for the count (check() would
      // assert the box flipped before the server answered).
      await boxes.nth(k).click();
      await tasks.getByTestId('task-progress').filter({ hasText: `${k + 1} of ${n} done` }).waitFor();
    }
    const timeline = c.section('Timeline');
    await timeline.getByRole('textbox', { name: /^Add a note/ }).fill('Passwords reset for both staff; MFA turned on.');
    await timeline.getByRole('button', { name: 'Add note' }).click();
    await timeline.getByTestId('timeline').getByText('Passwords reset for both staff; MFA turned on.').waitFor();
    expect(await c.nextSteps()).toEqual(['Mark contained', 'Mark resolved']);
    await c.move('Mark contained', 'Contained');
    await c.move('Mark resolved', 'Resolved');
    await c.move('Close the incident', 'Closed');
    expect(await c.section('Status').getByRole('group', { name: 'Next steps' }).count()).toBe(0);
    await shot(analyst, '12-case-closed');

    // The downloads work.
    const pdf = await analyst.request.get(`/api/incidents/${id}/report.pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    const stix = await analyst.request.get(`/api/incidents/${id}/stix`);
    expect(((await stix.json()) as { type: string }).type).toBe('bundle');
    expect(await analyst.getByRole('link', { name: 'Case report (PDF)' }).getAttribute('href')).toBe(`/api/incidents/${id}/report.pdf`);

    const api = await s.world.as('MARICOPA_MEMBER').get(`/api/incidents/${id}`);
    expect(api.json()).toMatchObject({ status: 'closed', priority: 'medium' });
  });

  test('another county’s member cannot see it: not listed, and not found by URL', async () => {
    const list = new IncidentListModel(outsider);
    await list.goto();
    await outsider.getByRole('heading', { name: 'No incidents' }).waitFor();
    expect(await outsider.getByText(TITLE).count()).toBe(0);
    await outsider.getByRole('searchbox', { name: 'Search' }).fill('poll-worker');
    await outsider.getByRole('button', { name: 'Search', exact: true }).click();
    await outsider.getByRole('heading', { name: 'Nothing matches' }).waitFor();
    await expectAccessible(outsider, 'incidents list: nothing matches');

    const c = new IncidentCaseModel(outsider);
    await c.gotoId(id);
    expect(await c.heading()).toBe('Incident not found');
    await outsider.getByText('This incident does not exist, or it has not been shared with your organisation.').waitFor();
    await shot(outsider, '13-not-found');
    await expectAccessible(outsider, 'incident case: not found');
    expect((await outsider.request.get(`/api/incidents/${id}`)).status()).toBe(404);
    expect((await outsider.request.get(`/api/incidents/${id}/report.pdf`)).status()).toBe(404);

    // The official's own list shows it, closed.
    const own = new IncidentListModel(official);
    await own.goto();
    await own.row(TITLE).getByText('Closed').waitFor();
    await shot(official, '14-list-official');
  });
});
