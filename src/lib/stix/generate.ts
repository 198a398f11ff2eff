/**
 * Deterministic generator of schema-valid STIX 2.1 content for tests and benchmarks.
 * `generateObjects(seed, count)` streams exactly `count` objects; within the first cycle (~60 objects)
 * every STIX 2.1 SDO, SRO and SCO type appears, plus marking definitions (TLP 2.0 and a statement),
 * an extension-definition and a language-content. Later cycles are dominated by indicators (patterns
 * over IPv4/IPv6 addresses, CIDRs, domains, URLs and SHA-256 hashes), the observables they describe,
 * relationships between them, sightings and reports referencing recent objects.
 * Values come from reserved ranges only: 198.18.0.0/15 (benchmarking), 192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32, and the .example / .test TLDs.
 */
import { computeScoId } from './sco-id.ts';
import { TLP2_MARKINGS, TLP2_EXTENSION_DEFINITION, TLP_LEVELS, tlpMarkingRef } from './tlp.ts';
import type { StixBundle, StixObject } from './types.ts';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** mulberry32 PRNG. */
class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) ^ 0x9e3779b9; }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number { return this.u32() % n; }
  pick<T>(a: readonly T[]): T { return a[this.u32() % a.length]; }
  hex(bytes: number): string { let s = ''; for (let i = 0; i < bytes; i++) s += HEX[this.u32() & 255]; return s; }
  uuid4(): string {
    const a = this.u32(); const b = this.u32(); const c = this.u32(); const d = this.u32();
    const h = (x: number) => x.toString(16).padStart(8, '0');
    const hb = h(b); const hc = h(((c & 0x3fffffff) | 0x80000000) >>> 0);
    return `${h(a)}-${hb.slice(0, 4)}-4${hb.slice(5, 8)}-${hc.slice(0, 4)}-${hc.slice(4)}${h(d)}`;
  }
}

const WORDS = ['vote', 'ballot', 'poll', 'county', 'registrar', 'precinct', 'canvass', 'tally', 'secure', 'update',
  'login', 'portal', 'results', 'civic', 'clerk', 'mail', 'cdn', 'static', 'auth', 'sync', 'relay', 'alpha', 'delta', 'nova'];
const TLDS = ['example', 'test'];
const ACTOR_NAMES = ['Granite Heron', 'Paper Lantern', 'Quiet Meridian', 'Rust Orchid', 'Silver Ledger', 'Tin Sparrow'];
const MALWARE_NAMES = ['BallotStealer', 'ClerkRAT', 'PollPhish', 'TallyWiper', 'CanvassLoader'];
const KILL_CHAIN = ['reconnaissance', 'weaponization', 'delivery', 'exploitation', 'installation', 'command-and-control', 'actions-on-objectives'];
const STATEMENT_MARKING_ID = 'marking-definition--9b1c6f3e-5c2a-4b8e-9d7f-2a6c3e8b1f04';
const CUSTOM_EXTENSION_ID = 'extension-definition--3f6a4f2e-8b2d-4c1e-9a57-6d0b7e2c5a18';

export interface GenerateOptions { seed: number; count: number }

/** Streams exactly `count` generated objects (see module comment). */
export function* generateObjects(seed: number, count: number): Generator<StixObject, void, undefined> {
  if (!Number.isSafeInteger(count) || count <= 0) return;
  const g = new Generator_(seed);
  let n = 0;
  for (const o of g.prelude()) { if (n++ >= count) return; yield o; }
  for (;;) {
    for (const o of g.cycle()) { if (n++ >= count) return; yield o; }
  }
}

/** A bundle of `count` generated objects. */
export function generateBundle({ seed, count }: GenerateOptions): StixBundle {
  const rng = new Rng(seed ^ 0x5bd1e995);
  return { type: 'bundle', id: `bundle--${rng.uuid4()}`, objects: [...generateObjects(seed, count)] };
}

class Generator_ {
  private rng: Rng;
  private t: number;                       // ms since epoch, advances monotonically
  private identity = '';
  private readonly recent = { indicator: [] as string[], sdo: [] as string[], sco: [] as string[], all: [] as string[], threat: [] as string[] };
  private cycles = 0;

  constructor(seed: number) {
    this.rng = new Rng(seed);
    this.t = Date.UTC(2024, 0, 1) + this.rng.int(86_400_000);
  }

  private ts(): string { this.t += 1 + this.rng.int(5000); return new Date(this.t).toISOString(); }
  private later(base: string, maxMs: number): string { return new Date(Date.parse(base) + 1 + this.rng.int(maxMs)).toISOString(); }
  private remember(kind: keyof Generator_['recent'], id: string) {
    const a = this.recent[kind]; a.push(id); if (a.length > 64) a.shift();
    if (kind !== 'all') { const b = this.recent.all; b.push(id); if (b.length > 256) b.shift(); }
  }
  private pickRecent(kind: keyof Generator_['recent'], n: number): string[] {
    const a = this.recent[kind];
    if (a.length === 0) return [this.identity];
    const out = new Set<string>();
    for (let i = 0; i < n; i++) out.add(this.rng.pick(a));
    return [...out];
  }
  private tlp(): string { return tlpMarkingRef(TLP_LEVELS[this.rng.int(4)]); }

  private sdo(type: string, props: Record<string, unknown>): StixObject {
    const created = this.ts();
    const o: StixObject = {
      type, spec_version: '2.1', id: `${type}--${this.rng.uuid4()}`, created_by_ref: this.identity,
      created, modified: this.rng.int(4) === 0 ? this.later(created, 86_400_000) : created, ...props,
      object_marking_refs: [this.tlp()],
    };
    return o;
  }
  private sco(type: string, props: Record<string, unknown>): StixObject {
    const o = { type, spec_version: '2.1', id: '', ...props } as StixObject;
    o.id = computeScoId(o) ?? `${type}--${this.rng.uuid4()}`;
    this.remember('sco', o.id);
    return o;
  }

  // ---------------------------------------------------------------- values
  private ipv4(): string { const r = this.rng.int(8); if (r === 0) return `192.0.2.${this.rng.int(256)}`; if (r === 1) return `198.51.100.${this.rng.int(256)}`; if (r === 2) return `203.0.113.${this.rng.int(256)}`; return `198.${18 + this.rng.int(2)}.${this.rng.int(256)}.${this.rng.int(256)}`; }
  private cidr(): string { const p = 24 + this.rng.int(5); const step = 1 << (32 - p); return `198.${18 + this.rng.int(2)}.${this.rng.int(256)}.${this.rng.int(256 / step) * step}/${p}`; }
  private ipv6(): string { return `2001:db8:${this.rng.int(0x10000).toString(16)}:${this.rng.int(0x10000).toString(16)}::${(1 + this.rng.int(0xfffe)).toString(16)}`; }
  private domain(): string { return `${this.rng.pick(WORDS)}-${this.rng.pick(WORDS)}${this.rng.int(1000)}.${this.rng.pick(TLDS)}`; }
  private url(d = this.domain()): string { return `https://${d}/${this.rng.pick(WORDS)}/${this.rng.pick(WORDS)}.php?id=${this.rng.int(100000)}`; }
  private sha256(): string { return this.rng.hex(32); }

  // ---------------------------------------------------------------- prelude
  *prelude(): Generator<StixObject> {
    const created = new Date(this.t).toISOString();
    this.identity = `identity--${this.rng.uuid4()}`;
    yield { type: 'identity', spec_version: '2.1', id: this.identity, created, modified: created, name: 'Rampart synthetic data generator', identity_class: 'system' };
    for (const m of Object.values(TLP2_MARKINGS)) yield structuredClone(m) as unknown as StixObject;
    yield { type: 'marking-definition', spec_version: '2.1', id: STATEMENT_MARKING_ID, created, created_by_ref: this.identity, definition_type: 'statement', name: 'Synthetic', definition: { statement: 'Synthetic test data; not real threat intelligence.' } };
    yield structuredClone(TLP2_EXTENSION_DEFINITION) as unknown as StixObject;
    yield { type: 'extension-definition', spec_version: '2.1', id: CUSTOM_EXTENSION_ID, created_by_ref: this.identity, created, modified: created, name: 'Rampart election context', description: 'Election jurisdiction context for indicators.', schema: 'https://rampart.invalid/schemas/election-context.json', version: '1.0.0', extension_types: ['property-extension'] };
  }

  // ---------------------------------------------------------------- one cycle
  *cycle(): Generator<StixObject> {
    const first = this.cycles++ === 0;
    const r = this.rng;
    // Threat context
    const actor = this.sdo('threat-actor', { name: `${r.pick(ACTOR_NAMES)} ${r.int(100)}`, threat_actor_types: ['nation-state'], first_seen: this.ts(), aliases: [r.pick(ACTOR_NAMES)] });
    this.remember('threat', actor.id); this.remember('sdo', actor.id); yield actor;
    const malware = this.sdo('malware', { name: r.pick(MALWARE_NAMES), is_family: true, malware_types: ['remote-access-trojan'] });
    this.remember('threat', malware.id); this.remember('sdo', malware.id); yield malware;
    const campaign = this.sdo('campaign', { name: `Operation ${r.pick(WORDS)} ${r.int(1000)}`, first_seen: this.ts(), objective: 'Undermine confidence in election results' });
    this.remember('threat', campaign.id); this.remember('sdo', campaign.id); yield campaign;
    yield this.rel('attributed-to', campaign.id, actor.id);
    yield this.rel('uses', actor.id, malware.id);

    if (first) yield* this.everyType(actor.id, malware.id, campaign.id);

    // Indicators with their observables
    const nInd = 6 + r.int(6);
    for (let i = 0; i < nInd; i++) {
      const { pattern, name, scos } = this.indicatorPattern();
      const vf = this.ts();
      const ind = this.sdo('indicator', {
        name, indicator_types: ['malicious-activity'], pattern, pattern_type: 'stix', pattern_version: '2.1',
        valid_from: vf, ...(r.int(2) ? { valid_until: this.later(vf, 90 * 86_400_000) } : {}),
        kill_chain_phases: [{ kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: r.pick(KILL_CHAIN) }],
        confidence: 30 + r.int(70),
        ...(r.int(8) === 0 ? { extensions: { [CUSTOM_EXTENSION_ID]: { extension_type: 'property-extension', jurisdiction: `County ${r.int(300)}` } } } : {}),
      });
      this.remember('indicator', ind.id); this.remember('sdo', ind.id);
      yield ind;
      for (const s of scos) yield s;
      yield this.rel('indicates', ind.id, r.pick([actor.id, malware.id, campaign.id]));
      if (scos.length) yield this.rel('based-on', ind.id, scos[0].id);
    }
    // Sighting + observed-data over recent SCOs
    const od = this.observedData();
    yield od;
    yield this.sighting(this.rng.pick(this.recent.indicator), od.id);
    // Report referencing recent objects
    const published = this.ts();
    const rep = this.sdo('report', { name: `Election threat bulletin ${r.int(100000)}`, report_types: ['threat-report'], published, object_refs: [...this.pickRecent('indicator', 5), actor.id, malware.id, campaign.id] });
    this.remember('sdo', rep.id); yield rep;
  }

  private rel(type: string, source: string, target: string): StixObject {
    const o = this.sdo('relationship', { relationship_type: type, source_ref: source, target_ref: target });
    return o;
  }
  private sighting(of: string, od: string): StixObject {
    const fs = this.ts();
    return this.sdo('sighting', { sighting_of_ref: of, first_seen: fs, last_seen: this.later(fs, 3_600_000), count: 1 + this.rng.int(50), observed_data_refs: [od], where_sighted_refs: [this.identity] });
  }
  private observedData(): StixObject {
    const fo = this.ts();
    return this.sdo('observed-data', { first_observed: fo, last_observed: this.later(fo, 600_000), number_observed: 1 + this.rng.int(20), object_refs: this.pickRecent('sco', 3) });
  }

  private indicatorPattern(): { pattern: string; name: string; scos: StixObject[] } {
    const r = this.rng;
    switch (r.int(7)) {
      case 0: { const ip = this.ipv4(); return { pattern: `[ipv4-addr:value = '${ip}']`, name: `C2 address ${ip}`, scos: [this.sco('ipv4-addr', { value: ip })] }; }
      case 1: { const c = this.cidr(); return { pattern: `[ipv4-addr:value ISSUBSET '${c}']`, name: `Hostile range ${c}`, scos: [this.sco('ipv4-addr', { value: c })] }; }
      case 2: { const d = this.domain(); return { pattern: `[domain-name:value = '${d}']`, name: `Phishing domain ${d}`, scos: [this.sco('domain-name', { value: d })] }; }
      case 3: { const u = this.url(); return { pattern: `[url:value = '${u}']`, name: 'Credential-harvesting URL', scos: [this.sco('url', { value: u })] }; }
      case 4: { const h = this.sha256(); return { pattern: `[file:hashes.'SHA-256' = '${h}']`, name: 'Malicious payload', scos: [this.sco('file', { hashes: { 'SHA-256': h }, name: `${r.pick(WORDS)}.exe` })] }; }
      case 5: { const ip = this.ipv6(); return { pattern: `[ipv6-addr:value = '${ip}']`, name: `C2 address ${ip}`, scos: [this.sco('ipv6-addr', { value: ip })] }; }
      default: {
        const d = this.domain(); const ip = this.ipv4();
        return { pattern: `[domain-name:value = '${d}'] OR [ipv4-addr:value = '${ip}']`, name: `Infrastructure ${d}`,
          scos: [this.sco('ipv4-addr', { value: ip }), this.sco('domain-name', { value: d })] };
      }
    }
  }

  /** One object of every remaining type (first cycle only). */
  private *everyType(actor: string, malware: string, campaign: string): Generator<StixObject> {
    const r = this.rng;
    const ip = this.sco('ipv4-addr', { value: this.ipv4() });
    const mac = this.sco('mac-addr', { value: '00:00:5e:00:53:' + HEX[r.int(256)] });
    const ip6 = this.sco('ipv6-addr', { value: this.ipv6(), resolves_to_refs: [mac.id] });
    const asn = this.sco('autonomous-system', { number: 64496 + r.int(16), name: 'Documentation AS' });
    const dom = this.sco('domain-name', { value: this.domain(), resolves_to_refs: [ip.id] });
    const url = this.sco('url', { value: this.url(dom.value as string) });
    const dir = this.sco('directory', { path: 'C:\\Users\\Public\\Downloads' });
    const file = this.sco('file', { name: 'ballot-update.exe', size: 1000 + r.int(100000), hashes: { 'SHA-256': this.sha256(), MD5: r.hex(16) }, parent_directory_ref: dir.id });
    const art = this.sco('artifact', { mime_type: 'application/octet-stream', payload_bin: Buffer.from(r.hex(12)).toString('base64') });
    const from = this.sco('email-addr', { value: `clerk${r.int(1000)}@${this.domain()}`, display_name: 'County Clerk' });
    const to = this.sco('email-addr', { value: `voter${r.int(1000)}@${this.domain()}` });
    const email = this.sco('email-message', { is_multipart: false, from_ref: from.id, to_refs: [to.id], subject: 'Your polling place has changed', body: 'Please verify your registration at the link below.', date: this.ts() });
    const mutex = this.sco('mutex', { name: `Global\\${r.hex(8)}` });
    const nt = this.sco('network-traffic', { src_ref: ip.id, dst_ref: ip6.id, protocols: ['ipv6', 'tcp', 'https'], dst_port: 443, start: this.ts() });
    const proc = this.sco('process', { pid: 1000 + r.int(30000), command_line: 'ballot-update.exe /silent', created_time: this.ts() });
    const sw = this.sco('software', { name: 'Election Night Reporting', vendor: 'Example Vendor', version: `${1 + r.int(9)}.${r.int(10)}` });
    const ua = this.sco('user-account', { user_id: String(1000 + r.int(9000)), account_login: `clerk${r.int(100)}`, account_type: 'windows-local' });
    const reg = this.sco('windows-registry-key', { key: 'HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run', values: [{ name: 'updater', data: 'C:\\Users\\Public\\Downloads\\ballot-update.exe', data_type: 'REG_SZ' }] });
    const x509 = this.sco('x509-certificate', { serial_number: `${r.hex(1)}:${r.hex(1)}:${r.hex(1)}`, issuer: 'CN=Example Test CA', subject: `CN=${dom.value as string}`, validity_not_before: '2024-01-01T00:00:00Z', validity_not_after: '2025-01-01T00:00:00Z', hashes: { 'SHA-256': this.sha256() } });
    const scos = [ip, mac, ip6, asn, dom, url, dir, file, art, from, to, email, mutex, nt, proc, sw, ua, reg, x509];
    yield* scos;

    const ap = this.sdo('attack-pattern', { name: 'Spearphishing Link', external_references: [{ source_name: 'capec', external_id: 'CAPEC-163' }] });
    const coa = this.sdo('course-of-action', { name: 'Block sender domain at the mail gateway' });
    const infra = this.sdo('infrastructure', { name: 'Phishing kit hosting', infrastructure_types: ['hosting-malware'], first_seen: this.ts() });
    const iset = this.sdo('intrusion-set', { name: `${r.pick(ACTOR_NAMES)} cluster`, first_seen: this.ts() });
    const loc = this.sdo('location', { name: 'Example County', country: 'us', administrative_area: 'US-XX' });
    const tool = this.sdo('tool', { name: 'Cobalt Strike', tool_types: ['remote-access'] });
    const vuln = this.sdo('vulnerability', { name: 'CVE-2024-0001', external_references: [{ source_name: 'cve', external_id: 'CVE-2024-0001' }] });
    const incident = this.sdo('incident', { name: 'Phishing against county clerks', description: 'Synthetic incident.' });
    const ma = this.sdo('malware-analysis', { product: 'example-sandbox', result: 'malicious', analysis_sco_refs: [file.id], sample_ref: file.id, submitted: this.ts() });
    const grouping = this.sdo('grouping', { name: 'Phishing wave', context: 'suspicious-activity', object_refs: [dom.id, url.id, email.id] });
    const note = this.sdo('note', { abstract: 'Triage', content: 'Seen by three counties.', authors: ['Rampart'], object_refs: [campaign] });
    const opinion = this.sdo('opinion', { opinion: 'agree', explanation: 'Matches our telemetry.', object_refs: [campaign] });
    for (const o of [ap, coa, infra, iset, loc, tool, vuln, incident, ma, grouping, note, opinion]) this.remember('sdo', o.id);
    yield* [ap, coa, infra, iset, loc, tool, vuln, incident, ma, grouping, note, opinion];
    yield this.rel('uses', campaign, ap.id);
    yield this.rel('mitigates', coa.id, ap.id);
    yield this.rel('uses', malware, tool.id);
    yield this.rel('consists-of', infra.id, dom.id);
    yield this.rel('attributed-to', iset.id, actor);
    yield this.rel('targets', campaign, loc.id);
    yield this.rel('exploits', malware, vuln.id);
    yield this.rel('uses', incident.id, malware);
    const od = this.observedData();
    yield od;
    yield this.sighting(campaign, od.id);
    yield { type: 'language-content', spec_version: '2.1', id: `language-content--${r.uuid4()}`, created: this.ts(), modified: this.ts(), object_ref: campaign, object_modified: this.ts(), contents: { es: { objective: 'Socavar la confianza en los resultados electorales' } } } as StixObject;
  }
}
