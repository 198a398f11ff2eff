#!/usr/bin/env node
// `npm test`: type-check and lint, the module suite on PGlite and again on PostgreSQL, then the
// browser tests. Ends with one plain line: `N passed, N failed` (all stages added up).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

/** Runs one stage, streaming its output live, and reads its closing `tests: …` line. */
async function stage(name, cmd, args, env = {}) {
  if (only.length && !only.includes(name)) return;
  process.stdout.write(`\n=== ${name} ===\n`);
  const t0 = Date.now();
  let tail = '';
  const status = await new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4000);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
  const m = /^tests: (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(tail);
  if (m) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (status !== 0) {
    failures.push(name);
    if (!m) totals.failed += 1;
    process.stdout.write(`--- ${name} FAILED (exit ${status}) in ${secs}s\n`);
  } else {
    if (!m) totals.passed += 1; // a check stage (types, lint) counts as one test
    process.stdout.write(`--- ${name} ok in ${secs}s\n`);
  }
}

const node = process.execPath;
const bin = (p) => path.join(root, 'node_modules', p);
await stage('types', node, [bin('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']);
await stage('types-web', node, [bin('typescript/bin/tsc'), '--noEmit', '-p', 'src/web/tsconfig.json']);
await stage('lint', node, [bin('eslint/bin/eslint.js'), '--max-warnings', '0', '.']);
await stage('pglite', node, [bin('vitest/vitest.mjs'), 'run'], { RAMPART_TEST_DB: 'pglite' });
await stage('postgres', node, [bin('vitest/vitest.mjs'), 'run'], { RAMPART_TEST_DB: 'postgres' });
await stage('build', node, [path.join(root, 'scripts/build.mjs')]);
await stage('browser', node, [bin('vitest/vitest.mjs'), 'run', '--config', 'e2e/vitest.config.ts']);

process.stdout.write(`\n${failures.length ? `FAILED stages: ${failures.join(', ')}` : 'All stages passed.'}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failures.length ? 1 : 0);
