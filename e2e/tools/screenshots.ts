// Screenshots of the main pages against a running Rampart with demo data, with an axe report.
//   DATA_DIR=/tmp/ui-dev PORT=8090 npx tsx src/server/main.ts   (in another shell)
//   RAMPART_WEB_DIR=dist/web npx tsx e2e/tools/screenshots.ts [outDir]
import { mkdirSync } from 'node:fs';
import { generate } from 'otplib';
import { demoTotpSecret } from '../../src/server/modules/demo/personas.ts';
import { axe, launchBrowser } from '../support/browser.ts';
import { startWebServer } from '../support/web-server.ts';

const out = process.argv[2] ?? '/tmp/rampart-shots';
const apiOrigin = process.env.RAMPART_API ?? 'http://127.0.0.1:8090';
const email = process.env.SHOT_EMAIL ?? 'admin@hub.demo';
mkdirSync(out, { recursive: true });
const web = await startWebServer();
await web.setApi(apiOrigin);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
page.on('response', (r) => r.status() >= 400 && console.log('HTTP', r.status(), r.url()));
const shot = async (name: string, full = true) => {
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: full });
  const v = await axe(page);
  console.log(`${name}: ${v.length ? v.map((x) => `${x.impact} ${x.id} (${x.nodes.length}) ${x.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`).join('\n   ') : 'no axe violations'}`);
};
await page.goto(`${web.url}/sign-in`);
await shot('01-sign-in');
await page.getByLabel(/^Email/).fill(email);
await page.getByLabel(/^Password/).fill('rampart-demo-2026');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByLabel('6-digit code').waitFor();
await shot('02-mfa');
await page.getByLabel('6-digit code').fill(await generate({ secret: demoTotpSecret(email) }));
await page.getByRole('button', { name: 'Verify' }).click();
await page.getByRole('heading', { name: 'Overview' }).waitFor();
await shot('03-overview');
for (const [name, path, heading] of [
  ['04-orgs', '/directory/organisations', 'Organisations'],
  ['06-new-org', '/directory/organisations/new', 'New organisation'],
  ['07-import', '/directory/import', 'Import organisations'],
  ['08-communities', '/directory/communities', 'Communities'],
  ['09-jurisdictions', '/directory/jurisdictions', 'Jurisdictions'],
  ['10-account', '/account', 'Account and security'],
  ['11-people', '/admin/people', 'People'],
  ['12-audit', '/admin/audit', 'Audit log'],
  ['13-infrastructure', '/infrastructure', 'Election infrastructure'],
] as const) {
  await page.goto(`${web.url}${path}`);
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  await shot(name);
}
await page.goto(`${web.url}/directory/organisations`);
await page.getByRole('table').getByRole('link').first().click();
await page.getByRole('heading', { name: '24x7 contacts' }).waitFor();
await shot('05-org-detail');
await page.setViewportSize({ width: 390, height: 844 });
await page.goto(`${web.url}/directory/organisations`);
await page.getByRole('heading', { name: 'Organisations', level: 1 }).waitFor();
await shot('14-mobile-orgs', false);
await browser.close();
await web.close();
console.log(`screenshots in ${out}`);
