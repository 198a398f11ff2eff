import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AcceptInviteModel, PeopleModel } from './models/PeopleModel.ts';
import { ShellModel } from './models/ShellModel.ts';
import { SignInModel } from './models/SignInModel.ts';
import { startStack, TEST_PASSWORD, TOTP_SECRET, type Stack } from './support/stack.ts';
import { expectAccessible } from './models/a11y.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

describe('sign-in', () => {
  test('with password and a TOTP code, back to the page asked for', async () => {
    await s.addMfaUser('totp.admin@personas.test', s.world.org.HUB, 'org_admin');
    const ctx = await s.context();
    const page = await ctx.newPage();
    const signIn = new SignInModel(page);
    // A signed-out visit to a page goes to sign-in and comes back after.
    await page.goto('/directory/communities');
    await page.getByRole('heading', { name: 'Sign in to Rampart' }).waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe('/directory/communities');
    await expectAccessible(page, 'sign-in (redirected)');
    await signIn.submitPassword('totp.admin@personas.test', TEST_PASSWORD);
    await signIn.expectCodeStep();
    // Every path the app routes to from here on: once signed in, straight to the page asked for.
    await page.evaluate(`window.__paths = [];
      for (const m of ['pushState', 'replaceState']) {
        const orig = history[m].bind(history);
        history[m] = (data, unused, url) => { orig(data, unused, url); window.__paths.push(location.pathname); };
      }`);
    await signIn.enterTotp(TOTP_SECRET);
    await page.getByRole('heading', { name: 'Communities', level: 1 }).waitFor();
    await expectAccessible(page, 'communities');
    expect(await page.evaluate('window.__paths')).toEqual(['/directory/communities']);
    expect(await page.title()).toBe('Communities · Rampart');
    await ctx.close();
  });

  test('a wrong password is reported, and the form stays usable', async () => {
    const ctx = await s.context();
    const page = await ctx.newPage();
    const signIn = new SignInModel(page);
    await signIn.goto();
    await signIn.submitPassword(s.world.email.AZ_MEMBER, 'not the password at all');
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
    await expectAccessible(page, 'sign-in: error');
    await ctx.close();
  });

  test('enrolment with the QR step, then sign-in again with a recovery code', async () => {
    // An analyst without two-step verification must enrol at first sign-in.
    const ctx = await s.context();
    const page = await ctx.newPage();
    const signIn = new SignInModel(page);
    await signIn.goto();
    await signIn.submitPassword(s.world.email.AZ_ANALYST, TEST_PASSWORD);
    const { recoveryCodes } = await signIn.enrol();
    expect(recoveryCodes.length).toBeGreaterThanOrEqual(8);
    const shell = new ShellModel(page);
    await shell.expectOverview();
    await shell.signOut();
    await expectAccessible(page, 'sign-in after sign-out');

    await signIn.submitPassword(s.world.email.AZ_ANALYST, TEST_PASSWORD);
    await signIn.expectCodeStep();
    await signIn.enterRecoveryCode(recoveryCodes[0]!);
    await shell.expectOverview();
    await page.goto('/account');
    await page.getByRole('heading', { name: 'Account and security', level: 1 }).waitFor();
    await page.getByText(`${recoveryCodes.length - 1} of your recovery codes are unused`).waitFor();
    await expectAccessible(page, 'account');
    await ctx.close();
  });

  test('keyboard only: Tab and Enter sign a member in', async () => {
    const ctx = await s.context();
    const page = await ctx.newPage();
    await new SignInModel(page).goto();
    // The email field has focus on arrival; everything else is Tab and Enter.
    expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("name")')).toBe('email');
    await page.keyboard.type(s.world.email.MARICOPA_MEMBER);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.getAttribute("name")')).toBe('password');
    await page.keyboard.type(TEST_PASSWORD);
    await page.keyboard.press('Enter');
    const shell = new ShellModel(page);
    await shell.expectOverview();
    // The skip link is the first stop and moves focus to the main content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('location.hash')).toBe('#main');
    await ctx.close();
  });
});

describe('invitation', () => {
  test('an admin invites someone; the email link sets a password and signs them in', async () => {
    await s.addMfaUser('people.admin@personas.test', s.world.org.COUNTY_MARICOPA, 'org_admin');
    const admin = await s.context();
    const page = await admin.newPage();
    const signIn = new SignInModel(page);
    await signIn.goto('/admin/people');
    await signIn.submitPassword('people.admin@personas.test', TEST_PASSWORD);
    await signIn.expectCodeStep();
    await signIn.enterTotp(TOTP_SECRET);
    const people = new PeopleModel(page);
    await page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
    await page.getByRole('table').waitFor();
    await expectAccessible(page, 'people');
    await people.invite({ name: 'Rosa Poll Worker', email: 'rosa.newcomer@personas.test', role: 'Member' });
    await page.getByRole('row').filter({ hasText: 'rosa.newcomer@personas.test' }).getByText('Invited').waitFor();
    await admin.close();

    const mail = await s.smtp.mailTo('rosa.newcomer@personas.test');
    const link = /https?:\/\/\S+\/accept-invite\?token=[A-Za-z0-9_\-%.]+/.exec(mail.text)?.[0];
    expect(link, mail.text).toBeTruthy();
    expect(link!.startsWith(s.web.url)).toBe(true);

    const invitee = await s.context();
    const p2 = await invitee.newPage();
    const accept = new AcceptInviteModel(p2);
    await accept.open(link!);
    await accept.choosePassword('short');
    await p2.getByText('Must be at least 12 characters').waitFor();
    await expectAccessible(p2, 'accept invitation: error');
    await accept.choosePassword('a long enough passphrase for rosa');
    const shell = new ShellModel(p2);
    await shell.expectOverview();
    await p2.getByText('Signed in as Rosa Poll Worker').waitFor();
    await invitee.close();
  });
});
