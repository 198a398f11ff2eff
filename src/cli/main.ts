import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { generate } from 'otplib';
import { parsePattern, matchPattern, PatternSyntaxError } from '../lib/stix-pattern/index.ts';
import { registerAdminCommands } from './admin.ts';
import { registerIntelCommands } from './intel.ts';
import { registerDetectCommands } from './detect.ts';
import { api, remoteFrom } from './http.ts';
import { CliError, print, table } from './output.ts';

/**
 * `rampart`: the command line. Every command has --help, exits non-zero on failure, and prints JSON
 * with --json. Data commands talk to a server over HTTP with an API token (--url/--token or
 * RAMPART_URL/RAMPART_TOKEN); operator commands (serve, migrate, users, tokens, audit) act on the
 * local server's database.
 */
const program = new Command();
program
  .name('rampart')
  .description('Rampart: election-security information sharing — command line')
  .option('--json', 'machine-readable output', false)
  .option('--url <url>', 'server URL (default $RAMPART_URL or http://localhost:8080)')
  .option('--token <token>', 'API token (default $RAMPART_TOKEN)')
  .showHelpAfterError()
  .exitOverride();
const json = () => Boolean(program.opts().json);
const remote = () => remoteFrom(program.opts<{ url?: string; token?: string }>());

registerAdminCommands(program, json);
registerIntelCommands(program, json, remote);
registerDetectCommands(program, json, remote);

program
  .command('totp <secret>')
  .description('print the current two-step verification code for a base32 secret (demo accounts)')
  .action(async (secret: string) => {
    let code: string;
    try {
      code = await generate({ secret: secret.replace(/\s/g, '').toUpperCase() });
    } catch (e) {
      throw new CliError(`not a usable TOTP secret: ${(e as Error).message}`, 2);
    }
    print(json(), { code }, () => code);
  });

const pattern = program.command('pattern').description('STIX 2.1 patterns');
pattern
  .command('validate <pattern>')
  .description('check a STIX pattern: exit 0 when valid, 1 with the error')
  .action((text: string) => {
    try {
      parsePattern(text);
      print(json(), { valid: true }, () => 'valid');
    } catch (e) {
      if (!(e instanceof PatternSyntaxError)) throw e;
      print(json(), { valid: false, position: e.position, expected: e.expected, message: e.message }, () => e.message);
      process.exitCode = 1;
    }
  });
pattern
  .command('match <pattern> <file>')
  .description('match a pattern against observed-data (a JSON list or a bundle): prints matching ids; exit 0 matched, 1 not, 2 invalid')
  .action((text: string, file: string) => {
    let ast;
    try {
      ast = parsePattern(text);
    } catch (e) {
      throw new CliError(e instanceof PatternSyntaxError ? `invalid pattern: ${e.message}` : String(e), 2);
    }
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
    }
    const objects = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { objects?: unknown }).objects) ? (data as { objects: unknown[] }).objects : null;
    if (!objects) throw new CliError(`${file} holds neither a list of objects nor a bundle`, 2);
    const observed = objects.filter((o): o is Record<string, unknown> => !!o && typeof o === 'object' && (o as { type?: unknown }).type === 'observed-data');
    const scos = new Map(objects.filter((o): o is Record<string, unknown> => !!o && typeof o === 'object' && typeof (o as { id?: unknown }).id === 'string').map((o) => [String(o.id), o]));
    const r = matchPattern(ast, observed as never, { scos: scos as never });
    process.stdout.write(`${JSON.stringify(r.observedDataIds)}\n`);
    process.exitCode = r.matched ? 0 : 1;
  });

const orgs = program.command('orgs').description('the directory');
orgs
  .command('import <file>')
  .description('import organisations from a CSV file (columns: name, kind, parent, jurisdiction_fips, website, description, communities, contact_name, contact_role, contact_phone, contact_email)')
  .option('--skip-invalid', 'import the valid rows even when others have errors', false)
  .action(async (file: string, o: { skipInvalid: boolean }) => {
    const body = readFileSync(file, 'utf8');
    const res = await api<{ created: number; updated: number; rows: number; committed: boolean; errors: { row: number; field: string; message: string }[] }>(
      remote(), 'POST', `/api/organisations/import?skipInvalid=${o.skipInvalid}`, body, { 'content-type': 'text/csv' },
    );
    const r = res.body;
    print(json(), r, () =>
      [r.committed ? `Imported ${r.rows} rows: ${r.created} created, ${r.updated} updated.` : `Nothing imported: ${r.errors.length} problem(s) in ${r.rows} rows (use --skip-invalid to import the valid rows).`, r.errors.length ? table(r.errors, ['row', 'field', 'message']) : ''].filter(Boolean).join('\n'),
    );
    if (!r.committed) process.exitCode = 1;
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  if (e instanceof CliError) {
    process.stderr.write(`rampart: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  process.stderr.write(`rampart: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
}
