import { generate } from 'otplib';
import type { BrowserContext } from 'playwright-core';
import { ShellModel } from './ShellModel.ts';
import type { Page } from 'playwright-core';
import { expectAccessible } from './a11y.ts';

/** The sign-in page and its second steps (code, recovery code, enrolment). */
export class SignInModel {
  constructor(readonly page: Page) {}

  email = () => this.page.getByLabel(/^Email/);
  password = () => this.page.getByLabel(/^Password/);

  async goto(next?: string) {
    await this.page.goto(next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in');
    await this.page.getByRole('heading', { name: 'Sign in to Rampart' }).waitFor();
    await this.email().and(this.page.locator(':enabled')).waitFor();
    await expectAccessible(this.page, 'sign-in');
  }

  async submitPassword(email: string, password: string) {
    await this.email().fill(email);
    await this.password().fill(password);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  async expectCodeStep() {
    await this.page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await expectAccessible(this.page, 'sign-in: code step');
  }

  async enterTotp(secret: string) {
    await this.page.getByLabel(/^6-digit code/).fill(await generate({ secret }));
    await this.page.getByRole('button', { name: 'Verify' }).click();
  }

  async enterRecoveryCode(code: string) {
    await this.page.getByRole('button', { name: /Use a recovery code/ }).click();
    await this.page.getByLabel(/^Recovery code/).waitFor();
    await expectAccessible(this.page, 'sign-in: recovery code step');
    await this.page.getByLabel(/^Recovery code/).fill(code);
    await this.page.getByRole('button', { name: 'Verify' }).click();
  }

  /** Enrolment: read the setup key, confirm with a code, return the recovery codes shown once. */
  async enrol(): Promise<{ secret: string; recoveryCodes: string[] }> {
    await this.page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    await this.page.getByRole('img', { name: /QR code/ }).waitFor();
    await expectAccessible(this.page, 'enrolment: QR code');
    const secret = (await this.page.getByTestId('secret-value').textContent())!.trim();
    await this.page.getByLabel(/^6-digit code from your app/).fill(await generate({ secret }));
    await this.page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await this.page.getByText('Two-step verification is on').waitFor();
    await expectAccessible(this.page, 'enrolment: recovery codes');
    const recoveryCodes = (await this.page.getByTestId('secret-value').textContent())!.split(/\s+/).filter(Boolean);
    await this.page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await this.page.getByRole('button', { name: 'Continue to Rampart' }).click();
    return { secret, recoveryCodes };
  }
}

/** A new page in `context`, signed in as `email` with password and TOTP, on the overview. */
export async function signedInPage(context: BrowserContext, email: string, password: string, totpSecret: string): Promise<Page> {
  const page = await context.newPage();
  const model = new SignInModel(page);
  await model.goto();
  await model.submitPassword(email, password);
  await model.expectCodeStep();
  await model.enterTotp(totpSecret);
  await new ShellModel(page).expectOverview();
  return page;
}
