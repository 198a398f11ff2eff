#!/usr/bin/env node
// Builds what `npm start` needs: the server and CLI (tsc → dist/) and the web UI (vite → dist/web).
// `--if-stale` skips the work when dist/ is newer than every source file (a second `npm start` is instant).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const sources = ['src', 'migrations', 'package-lock.json', 'index.html', 'vite.config.ts', 'tsconfig.build.json'];

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (Math.max(...sources.map((s) => newest(path.join(root, s)))) <= built) process.exit(0);
}
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
process.stdout.write('Building Rampart (server, CLI, web UI)…\n');
run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
// Data files the compiled code reads at run time.
for (const dir of ['lib/stix/schemas']) {
  if (existsSync(path.join(root, 'src', dir))) cpSync(path.join(root, 'src', dir), path.join(root, 'dist', dir), { recursive: true });
}
if (existsSync(path.join(root, 'vite.config.ts'))) run(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn']);
writeFileSync(stamp, new Date().toISOString());
