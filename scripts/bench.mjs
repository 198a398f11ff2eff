#!/usr/bin/env node
// `npm run bench [name…]`: runs bench/<name>.bench.ts (all of them by default, in a fixed order);
// each writes its JSON under bench/results/. Extra flags after `--` go to every benchmark.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `npm run bench taxii -- --objects 100000` reaches here as `taxii --objects 100000` (npm takes the
// `--`): names run up to the first flag (or an explicit `--`); everything from there goes to the benchmarks.
const args = process.argv.slice(2);
const dd = args.indexOf('--');
const firstFlag = args.findIndex((a) => a.startsWith('-'));
const cut = firstFlag < 0 ? args.length : firstFlag;
const names = args.slice(0, cut).filter(Boolean);
const extra = args.slice(cut).filter((a, i) => !(i === 0 && cut === dd));
const all = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, '')).sort();
const run = names.length ? names : all;
const unknown = run.filter((n) => !all.includes(n));
if (unknown.length) {
  process.stderr.write(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of run) {
  process.stdout.write(`\n=== bench: ${name} ===\n`);
  // Benchmarks that run Rampart inside their own process (the ingest's job, PGlite) run it with the
  // server's Node flags, as `npm start` does (docs/operations.md, "Node.js flags").
  const r = spawnSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', path.join(root, 'bench', `${name}.bench.ts`), ...extra], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
