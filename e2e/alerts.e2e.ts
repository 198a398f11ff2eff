import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectAccessible } from './models/a11y.ts';
import { AlertsModel } from './models/AlertModels.ts';
import { signedInPage } from './models/SignInModel.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';
import { screenshotsOnFailure } from './support/failure-shots.ts';

let s: Stack;
/** Two analysts of the national hub: A writes, B approves. */
let authorA: Page;
let analystB: Page;
/** A member of the Arizona state office (a state election office: in the audience). */
let stateMember: Page;
/** A campaign member: not in the OFFICIALS community, so outside a TLP:GREEN OFFICIALS alert. */
let outsider: Page;

const signIn = async (email: string): Promise<Page> => signedInPage(await s.context(), email, TEST_PASSWORD, TOTP_SECRET);

beforeAll(async () => {
  s = await startStack();
  await s.addMfaUser('hub.a@alerts.test', s.world.org.HUB, 'analyst');
  await s.addMfaUser('hub.b@alerts.test', s.world.org.HUB, 'analyst');
  await s.addMfaUser('az.member@alerts.test', s.world.org.STATE_AZ, 'member');
  await s.addMfaUser('campaign.member@alerts.test', s.world.org.CAMPAIGN, 'member');
  authorA = await signIn('hub.a@alerts.test');
  analystB = await signIn('hub.b@alerts.test');
  stateMember = await signIn('az.member@alerts.test');
  outsider = await signIn('campaign.member@alerts.test');
});
screenshotsOnFailure(() => ({ authorA, analystB, stateMember, outsider }));
afterAll(async () => {
  await s?.close();
});

describe('alerts: two-analyst workflow, delivery and acknowledgement', () => {
  test('A drafts and submits a High alert; only B may approve; the state office acknowledges; A sees the progress; a campaign never sees it', async () => {
    const title = 'Phishing against state voter-registration staff';
    const a = new AlertsModel(authorA);
    await a.gotoList();
    await a.draft({
      title,
      level: 'High',
      summary: 'Credential phishing aimed at state election office staff.',
      body: '## What happened\n\nMessages claim to come from the **registration vendor**.',
      actions: 'Warn staff today\nReset any password entered on the fake page',
      kind: 'State election office',
      community: 'OFFICIALS community',
    });
    // The live audience: the two state offices of the persona world.
    await authorA.getByTestId('audience-preview').filter({ hasText: /^2 organisations, \d+ people will receive it\./ }).waitFor();
    await expectAccessible(authorA, 'alerts: edit form with audience');
    const id = new URL(authorA.url()).pathname.split('/')[3]!;

    await a.gotoAlert(id);
    expect(await a.heading()).toBe(title);
    await authorA.getByTestId('alert-body').getByRole('heading', { name: 'What happened' }).waitFor();
    await expectAccessible(authorA, 'alert page: draft');
    expect(await authorA.getByRole('button', { name: 'Publish', exact: true }).count()).toBe(0);
    await a.act('Submit for review', /^In review/);

    // The author cannot approve: no button, and the page says why.
    await authorA.getByTestId('author-cannot-approve').waitFor();
    expect(await authorA.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    await expectAccessible(authorA, 'alert page: in review (author)');

    // B approves, then publishes.
    const b = new AlertsModel(analystB);
    await b.gotoAlert(id);
    await expectAccessible(analystB, 'alert page: in review (second analyst)');
    await b.act('Approve', /approved by a second analyst/);
    await b.act('Publish', /^Published/);
    await expectAccessible(analystB, 'alert page: published (second analyst)');

    // The Arizona member sees it in the list and acknowledges it.
    const m = new AlertsModel(stateMember);
    await m.gotoList();
    await m.listLink(title).click();
    await stateMember.getByRole('heading', { name: title, level: 1 }).waitFor();
    await stateMember.getByRole('heading', { name: 'Recommended actions' }).waitFor();
    await expectAccessible(stateMember, 'alert page: recipient');
    await stateMember.getByRole('radio', { name: /^Actioned/ }).check();
    await stateMember.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await stateMember.getByTestId('ack-state').filter({ hasText: 'You acknowledged: Actioned' }).waitFor();
    await expectAccessible(stateMember, 'alert page: acknowledged');

    // The author sees one organisation acknowledged.
    await a.gotoAlert(id);
    await authorA.getByTestId('ack-summary').filter({ hasText: /^1 of \d+ organisations acknowledged/ }).waitFor();
    await expectAccessible(authorA, 'alert page: acknowledgement progress');

    // Outside the audience: not listed, "not found" by URL, 404 from the API.
    const o = new AlertsModel(outsider);
    await o.gotoList();
    expect(await outsider.getByRole('link', { name: title, exact: true }).count()).toBe(0);
    await o.gotoAlert(id);
    expect(await o.heading()).toBe('Alert not found');
    await expectAccessible(outsider, 'alert page: not found');
    expect((await outsider.request.get(`/api/alerts/${id}`)).status()).toBe(404);
  });
});

describe('alerts: Severe alert from authoring to an acknowledgement through the email link', () => {
  test('A authors a Severe alert (live audience before saving), B approves and publishes, the state member gets the mail, acknowledges from its link without signing in, A sees the progress', async () => {
    const title = 'Ransomware encrypting county election servers';
    const a = new AlertsModel(authorA);
    await a.gotoList();
    await a.draft({
      title,
      level: 'Severe',
      summary: 'Ransomware is spreading through election office networks.',
      body: '## Act now\n\nDisconnect affected servers from the network.',
      actions: 'Disconnect affected servers\nCall the hub',
      kind: 'State election office',
      community: 'OFFICIALS community',
    }, async () => {
      // The audience is counted on the unsaved form, as the targeting changes.
      await authorA.getByTestId('audience-preview').filter({ hasText: /^2 organisations, \d+ people will receive it\./ }).waitFor();
      await expectAccessible(authorA, 'alerts: unsaved form with live audience');
    });
    const id = new URL(authorA.url()).pathname.split('/')[3]!;
    await a.gotoAlert(id);
    const number = (await authorA.getByTestId('alert-meta').textContent())!.match(/RMP-\d{4}-\d{4}/)![0];
    await a.act('Submit for review', /^In review/);

    const b = new AlertsModel(analystB);
    await b.gotoAlert(id);
    await b.act('Approve', /approved by a second analyst/);
    await b.act('Publish', /^Published/);
    await expectAccessible(analystB, 'alert page: Severe published');

    // The mail reaches the Arizona member through the real SMTP server; its link needs no sign-in.
    const mail = await s.smtp.mailTo('az.member@alerts.test', 30_000, (m) => m.text.includes(number));
    expect(mail.text).toContain(title);
    const link = /(https?:\/\/[^\s"<>]+\/alerts\/ack\?token=[^&\s"<>]+&(?:amp;)?status=actioned)/.exec(mail.text)![1]!.replace(/&amp;/g, '&');
    expect(link.startsWith(s.web.url)).toBe(true);
    const mailClient = await (await s.context()).newPage();
    await mailClient.goto(link);
    await mailClient.getByRole('heading', { name: `Acknowledge ${number}`, level: 1 }).waitFor();
    await expectAccessible(mailClient, 'email acknowledgement link: confirmation page');
    await mailClient.getByRole('button', { name: 'Confirm: Actioned' }).click();
    await mailClient.getByRole('heading', { name: 'Thank you', level: 1 }).waitFor();
    expect(await mailClient.getByText(`${number} is recorded as actioned.`).count()).toBe(1);
    await expectAccessible(mailClient, 'email acknowledgement link: recorded');

    // Signed in, the member sees their own answer.
    const m = new AlertsModel(stateMember);
    await m.gotoAlert(id);
    await stateMember.getByTestId('ack-state').filter({ hasText: 'You acknowledged: Actioned' }).waitFor();
    await expectAccessible(stateMember, 'alert page: acknowledged by email');

    // The author sees the progress: one of the two state offices, by status and by state.
    await a.gotoAlert(id);
    await authorA.getByTestId('ack-summary').filter({ hasText: /^1 of 2 organisations acknowledged/ }).waitFor();
    await authorA.getByText(/Actioned: 1/).first().waitFor();
    await expectAccessible(authorA, 'alert page: progress after the email acknowledgement');
  });
});
