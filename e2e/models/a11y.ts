import type { Page } from 'playwright-core';
import { axe, seriousViolations } from '../support/browser.ts';

/** Every page state the tests visit is checked: serious or critical axe violations fail the test. */
export const visited: string[] = [];

export async function expectAccessible(page: Page, where: string): Promise<void> {
  const problems = seriousViolations(await axe(page));
  visited.push(where);
  if (problems.length) throw new Error(`Accessibility violations on ${where} (${page.url()}):\n  ${problems.join('\n  ')}`);
}
