#!/usr/bin/env node
// `npm test`: type-check and lint, the module suite on PGlite and again on PostgreSQL, then the
// browser tests. Ends with one plain line: `N passed, N failed` (all stages added up).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function stage(name, cmd, args, env = {}) {
  if (only.length && !only.includes(name)) return;
  process.stdout.write(`\n=== ${name} ===\n`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 30 });
  process.stdout.write(r.stdout ?? '');
  const m = /^tests: (\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(r.stdout ?? '');
  if (m) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    failures.push(name);
    if (!m) totals.failed += 1;
    process.stdout.write(`--- ${name} FAILED (exit ${r.status}) in ${secs}s\n`);
  } else {
    if (!m) totals.passed += 1; // a check stage (types, lint) counts as one test
    process.stdout.write(`--- ${name} ok in ${secs}s\n`);
  }
}

const node = process.execPath;
const bin = (p) => path.join(root, 'node_modules', p);
stage('types', node, [bin('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']);
stage('types-web', node, [bin('typescript/bin/tsc'), '--noEmit', '-p', 'src/web/tsconfig.json']);
stage('lint', node, [bin('eslint/bin/eslint.js'), '--max-warnings', '0', '.']);
stage('pglite', node, [bin('vitest/vitest.mjs'), 'run'], { RAMPART_TEST_DB: 'pglite' });
stage('postgres', node, [bin('vitest/vitest.mjs'), 'run'], { RAMPART_TEST_DB: 'postgres' });
stage('build', node, [path.join(root, 'scripts/build.mjs')]);
stage('browser', node, [bin('vitest/vitest.mjs'), 'run', '--config', 'e2e/vitest.config.ts']);

process.stdout.write(`\n${failures.length ? `FAILED stages: ${failures.join(', ')}` : 'All stages passed.'}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(failures.length ? 1 : 0);
