import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTestRampart, createWorld, type TestRampart, type World } from '../server/test/harness.ts';

/** Runs the real `rampart` binary (bin/rampart.js) as a user would. */
const bin = path.resolve(import.meta.dirname, '../../bin/rampart.js');
/** Asynchronous: the server under test runs in this same process and must keep answering. */
function rampart(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, out: stdout, err: stderr });
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'rampart-cli-'));
let r: TestRampart;
let w: World;
let url: string;
beforeAll(async () => {
  r = await createTestRampart({ listen: true, config: { PORT: '0' } });
  w = await createWorld(r);
  url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await r?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rampart pattern', () => {
  test('validate: exit 0 valid, 1 with the error position', async () => {
    expect((await rampart(['pattern', 'validate', "[domain-name:value = 'evil.example']"])).code).toBe(0);
    const bad = await rampart(['--json', 'pattern', 'validate', "[domain-name:value = 'evil.example'"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ valid: false, position: 35 });
  });
  test('match: ids of matching observed-data; exit 0 / 1 / 2', async () => {
    const file = path.join(dir, 'observed.json');
    writeFileSync(file, JSON.stringify({
      type: 'bundle', id: 'bundle--2a25c3c8-5d9b-4f2e-a3f6-9e1f3a7c0b11',
      objects: [
        { type: 'observed-data', spec_version: '2.1', id: 'observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf', created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z', first_observed: '2026-11-01T00:00:00Z', last_observed: '2026-11-01T00:00:00Z', number_observed: 1, object_refs: ['ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd'] },
        { type: 'ipv4-addr', spec_version: '2.1', id: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd', value: '198.51.100.7' },
      ],
    }));
    const hit = await rampart(['pattern', 'match', "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", file]);
    expect(hit.code).toBe(0);
    expect(JSON.parse(hit.out)).toEqual(['observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf']);
    const miss = await rampart(['pattern', 'match', "[ipv4-addr:value = '203.0.113.1']", file]);
    expect(miss.code).toBe(1);
    expect(JSON.parse(miss.out)).toEqual([]);
    expect((await rampart(['pattern', 'match', '[nonsense', file])).code).toBe(2);
    expect((await rampart(['pattern', 'match', "[ipv4-addr:value = '1.2.3.4']", path.join(dir, 'missing.json')])).code).toBe(2);
  });
});

describe('rampart orgs import (over HTTP with a token)', () => {
  test('imports, reports row errors with a non-zero exit, needs a token', async () => {
    const good = path.join(dir, 'orgs.csv');
    writeFileSync(good, 'name,kind,parent,jurisdiction_fips\nCochise County Elections,local_election_office,STATE_AZ org,04003\n');
    const ok = await rampart(['--json', '--url', url, '--token', w.token.HUB_ADMIN, 'orgs', 'import', good]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ created: 1, committed: true });
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'name,kind\nA,bakery\n');
    const res = await rampart(['--url', url, '--token', w.token.HUB_ADMIN, 'orgs', 'import', bad]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/Nothing imported/);
    expect(res.out).toMatch(/kind/);
    const noToken = await rampart(['--url', url, 'orgs', 'import', good], { RAMPART_TOKEN: '' });
    expect(noToken.code).toBe(2);
    const member = await rampart(['--url', url, '--token', w.token.AZ_MEMBER, 'orgs', 'import', good]);
    expect(member.code).toBe(4);
  });
});

describe('operator commands on a local data directory', () => {
  // Each command opens the database in its own process: give it room on a loaded 2-core machine.
  test('users add / list / reset-mfa, audit verify', { timeout: 240_000 }, async () => {
    const env = { DATA_DIR: path.join(dir, 'data'), SEED_DEMO: 'false', LOG_LEVEL: 'silent', DATABASE_URL: '' };
    const add = await rampart(['--json', 'users', 'add', '--email', 'admin@state.test', '--name', 'State Admin', '--platform-admin', '--password', 'a very long password'], env);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.out).email).toBe('admin@state.test');
    const dup = await rampart(['users', 'add', '--email', 'admin@state.test', '--name', 'Again', '--password', 'a very long password'], env);
    expect(dup.code).not.toBe(0);
    const list = await rampart(['--json', 'users', 'list'], env);
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ email: 'admin@state.test', platformAdmin: true })]);
    expect((await rampart(['users', 'reset-mfa', 'admin@state.test'], env)).code).toBe(0);
    expect((await rampart(['users', 'reset-mfa', 'nobody@state.test'], env)).code).toBe(2);
    const verify = await rampart(['--json', 'audit', 'verify'], env);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true, entries: 2 });
    expect((await rampart(['users', 'add', '--help'])).out).toMatch(/--platform-admin/);
  });
});
