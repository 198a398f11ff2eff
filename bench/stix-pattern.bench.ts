/**
 * STIX pattern parser throughput.
 *
 *   npx tsx bench/stix-pattern.bench.ts
 *
 * Generates 100,000 realistic indicator patterns from a fixed seed, parses them
 * all, and writes bench/results/stix-pattern.json. Goal: >= 100,000 patterns/s.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePattern } from '../src/lib/stix-pattern/index.ts';

const PATTERNS = 100_000;
const SEED = 0x5eed_2024;

/** mulberry32: small, fast, deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const hex = (n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[int(16)];
  return s;
};
const word = (min: number, max: number) => {
  const len = min + int(max - min + 1);
  let s = '';
  for (let i = 0; i < len; i++) s += 'abcdefghijklmnopqrstuvwxyz'[int(26)];
  return s;
};
const TLDS = ['com', 'net', 'org', 'info', 'ru', 'cn', 'xyz', 'top', 'gov', 'us'];
const domain = () => `${word(3, 12)}.${rand() < 0.3 ? `${word(2, 8)}.` : ''}${pick(TLDS)}`;
const ipv4 = () => `${1 + int(223)}.${int(256)}.${int(256)}.${int(256)}`;
const ipv6 = () => `2001:db8:${hex(4)}:${hex(4)}::${hex(1 + int(4))}`;
const ts = () => {
  const d = new Date(Date.UTC(2016 + int(9), int(12), 1 + int(28), int(24), int(60), int(60)));
  return d.toISOString().replace('.000Z', rand() < 0.5 ? 'Z' : `.${String(int(1000)).padStart(3, '0')}Z`);
};
const esc = (s: string) => s.replace(/[\\']/g, '\\$&');

const simple: Array<() => string> = [
  () => `[ipv4-addr:value = '${ipv4()}']`,
  () => `[ipv4-addr:value = '${ipv4()}/${pick([24, 32, 16, 28])}']`,
  () => `[ipv6-addr:value = '${ipv6()}/${pick([64, 128, 48])}']`,
  () => `[domain-name:value = '${domain()}']`,
  () => `[url:value = '${esc(`http${rand() < 0.5 ? 's' : ''}://${domain()}/${word(2, 10)}/${word(3, 12)}.php?id=${int(100000)}`)}']`,
  () => `[email-addr:value = '${word(3, 10)}@${domain()}']`,
  () => `[file:hashes.MD5 = '${hex(32)}']`,
  () => `[file:hashes.'SHA-256' = '${hex(64)}']`,
  () => `[file:hashes.'SHA-1' = '${hex(40)}' OR file:hashes.MD5 = '${hex(32)}']`,
  () => `[file:name = '${word(4, 12)}.${pick(['exe', 'dll', 'docm', 'js', 'ps1'])}' AND file:size > ${int(5_000_000)}]`,
  () => `[ipv4-addr:value = '${ipv4()}' OR ipv4-addr:value = '${ipv4()}' OR ipv4-addr:value = '${ipv4()}']`,
  () => `[network-traffic:dst_ref.value ISSUBSET '${ipv4().replace(/\.\d+$/, '.0')}/24' AND network-traffic:dst_port IN (${int(65536)}, ${int(65536)}, 443)]`,
  () => `[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\${word(4, 10)}\\\\${word(4, 10)}']`,
  () => `[process:command_line LIKE '%${word(4, 10)}.exe -${word(1, 3)}%']`,
  () => `[file:extensions.'windows-pebinary-ext'.sections[*].entropy > ${(6 + rand() * 2).toFixed(1)}]`,
  () => `[x509-certificate:serial_number = '${Array.from({ length: 8 }, () => hex(2)).join(':')}' AND x509-certificate:issuer = 'CN=${word(4, 10)}']`,
  () => `[email-message:subject = '${esc(`${word(3, 8)} ${word(3, 8)}'s ${word(3, 8)}`)}' AND email-message:from_ref.value LIKE '%@${domain()}']`,
  () => `[artifact:payload_bin = b'${Buffer.from(hex(12), 'hex').toString('base64')}' OR file:magic_number_hex = h'${hex(8)}']`,
  () => `[domain-name:value MATCHES '${pick(['^[a-z0-9]{16}\\\\.onion$', '.+\\\\.(top|xyz)$', '^mail\\\\.[a-z]+\\\\.ru$', '(?i)^login-[a-z]+\\\\.com$'])}']`,
  () => `[user-account:user_id = '${int(5000)}' AND user-account:is_privileged = true]`,
];

function pattern(): string {
  const r = rand();
  if (r < 0.75) return pick(simple)();
  if (r < 0.85) return `${pick(simple)()} ${pick(['AND', 'OR'])} ${pick(simple)()}`;
  if (r < 0.92) return `(${pick(simple)()} FOLLOWEDBY ${pick(simple)()}) WITHIN ${pick([60, 300, 600, 3600])} SECONDS`;
  if (r < 0.96) return `${pick(simple)()} REPEATS ${2 + int(9)} TIMES WITHIN ${pick([60, 180, 900])} SECONDS`;
  const a = ts();
  const b = new Date(Date.parse(a) + (1 + int(90)) * 86_400_000).toISOString();
  return `${pick(simple)()} START t'${a}' STOP t'${b}'`;
}

const corpus: string[] = new Array(PATTERNS);
for (let i = 0; i < PATTERNS; i++) corpus[i] = pattern();

// Warm up the JIT on a separate slice, then time one full pass.
for (let i = 0; i < 20_000; i++) parsePattern(corpus[i]);

let nodes = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < PATTERNS; i++) {
  const ast = parsePattern(corpus[i]);
  if (ast.type !== 'observation') nodes++;
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

const cpus = os.cpus();
const result = {
  name: 'stix-pattern parse',
  machine: { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', node: process.version },
  patterns: PATTERNS,
  seconds: Number(seconds.toFixed(4)),
  patternsPerSecond: Math.round(PATTERNS / seconds),
};

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'stix-pattern.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
console.log(`(${nodes} compound patterns; goal >= 100,000 patterns/s: ${result.patternsPerSecond >= 100_000 ? 'met' : 'NOT met'})`);
