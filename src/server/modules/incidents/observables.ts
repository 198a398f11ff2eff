import { parse } from 'tldts';
import { extractCandidates, type Candidate } from '../../../lib/logmatch/index.ts';

/**
 * Whether a name is a domain someone could register or run: it ends in a public suffix of the ICANN
 * section of the Public Suffix List (tldts) and has a label before it. "kit.js", "report.pdf",
 * "setup.exe", "printer.local" and the reserved documentation names ("*.example", "*.test") do not;
 * "evil.com", "mail.state.ga.us", "bbc.co.uk" do. File names on real suffixes ("main.py": .py is
 * Paraguay's, "readme.md": Moldova's, "invoice.zip": a gTLD) still count — they are domains too.
 */
export function hasPublicSuffix(name: string): boolean {
  const p = parse(name, { allowPrivateDomains: false, extractHostname: false, validateHostname: true });
  return p.isIcann === true && p.domain !== null && !p.isIp;
}

/**
 * Observables in a report or a text attachment: lib/logmatch's candidates (IPv4/IPv6, domains, URLs,
 * e-mail addresses, MD5/SHA-1/SHA-256), keeping a domain only when it ends in a real public suffix.
 */
export function extractObservables(text: string | Uint8Array): Candidate[] {
  return extractCandidates(text).filter((c) => c.kind !== 'domain' || hasPublicSuffix(c.value));
}
