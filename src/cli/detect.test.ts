import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { createTestRampart, createWorld, type TestRampart, type World } from '../server/test/harness.ts';
import { detectKit } from '../server/modules/detect/detect.testkit.ts';
import { registerDetectCommands } from './detect.ts';

let r: TestRampart;
let w: World;
beforeAll(async () => {
  r = await createTestRampart({ listen: true, config: { PORT: '0' } });
  w = await createWorld(r);
});
afterAll(async () => r?.close());

async function runCli(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  const url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
  registerDetectCommands(program, () => true, () => ({ url, token: w.token.AZ_ANALYST }));
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  try {
    await program.parseAsync(['node', 'rampart', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

test('rampart match --logs posts each file (plain and gzip) and prints the run summaries as JSON', async () => {
  await detectKit(r, w).indicator('HUB_ANALYST', "[ipv4-addr:value = '100.90.1.1']", 'CLEAR', 'cli');
  const dir = mkdtempSync(path.join(tmpdir(), 'rampart-match-'));
  const plain = path.join(dir, 'a.log');
  const gz = path.join(dir, 'b.log.gz');
  writeFileSync(plain, 'x 100.90.1.1\ny\n');
  writeFileSync(gz, gzipSync('100.90.1.1 and 100.90.1.1\nnothing\nz 100.90.1.1\n'));
  const runs = JSON.parse(await runCli(['match', '--logs', plain, gz, '--format', 'text', '--tlp', 'GREEN']));
  expect(runs.map((x: { filename: string; hitLines: number; status: string; tlp: string }) => [x.filename, x.status, x.hitLines, x.tlp])).toEqual([
    ['a.log', 'complete', 1, 'GREEN'],
    ['b.log.gz', 'complete', 2, 'GREEN'],
  ]);
  await expect(runCli(['match', '--logs', plain, '--format', 'evtx'])).rejects.toThrow(/--format must be one of/);
});
