import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MispValidationError,
  TLP_MARKING_IDS,
  mispEventToStix,
  parseMispEvent,
  safeMispEventToStix,
  stixUuid,
  uuidv5,
  type StixObject,
} from '../index.ts';
import { basicProblems, loadStixValidator } from './helpers.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/election-event.json', import.meta.url), 'utf8'));
const clone = <T>(x: T): T => structuredClone(x);
const byId = (objs: StixObject[], id: string) => objs.find((o) => o.id === id);

const EVENT_UUID = '0b7e4d4e-7d59-4f5a-9c1e-1c9f3a7d2b10';
const ATTR_UUID = '91ae0a21-c7ae-4c7f-b84b-b84a7ce53d1f';

function eventWith(partial: Record<string, unknown>): Record<string, unknown> {
  return {
    Event: {
      uuid: EVENT_UUID,
      info: 'test event',
      date: '2024-11-01',
      timestamp: '1730419200',
      Orgc: { name: 'Test Org', uuid: 'a0c22599-9e58-4da4-96ac-7051603fa951' },
      Attribute: [],
      Object: [],
      Galaxy: [],
      Tag: [],
      ...partial,
    },
  };
}
const attr = (type: string, value: string, to_ids: boolean, extra: Record<string, unknown> = {}) => ({
  uuid: ATTR_UUID,
  type,
  category: 'Network activity',
  value,
  to_ids,
  timestamp: '1603642920',
  ...extra,
});

describe('ids', () => {
  it('reuses RFC 4122 MISP uuids and replaces non-conforming legacy ones deterministically', () => {
    const r = mispEventToStix(eventWith({ uuid: '4f7a1b2c-3d4e-0f5a-0b6c-7d8e9f0a1b2c' }));
    expect(r.reportId).toBe(`report--${stixUuid('4f7a1b2c-3d4e-0f5a-0b6c-7d8e9f0a1b2c')}`);
    expect(r.reportId).toMatch(/^report--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stixUuid(ATTR_UUID)).toBe(ATTR_UUID);
  });
});

describe('uuidv5', () => {
  it('matches the RFC 4122 DNS-namespace example', () => {
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});

describe('election fixture (realistic MISP event)', () => {
  const r = mispEventToStix(fixture);
  const report = byId(r.objects, r.reportId)!;

  it('maps the event to a report with info, publish time, creator identity and tags as labels', () => {
    expect(report.type).toBe('report');
    expect(report.id).toBe('report--5e6f3a8c-2b1d-4c7e-9f4a-0d2c8b7a6e51');
    expect(report.name).toBe(fixture.Event.info);
    expect(report.published).toBe(new Date(1730214000 * 1000).toISOString());
    expect(report.created).toBe(new Date(1730210400 * 1000).toISOString());
    expect(report.created_by_ref).toBe('identity--6a1f2e3d-4c5b-4a69-8f7e-1d2c3b4a5f60');
    const identity = byId(r.objects, report.created_by_ref as string)!;
    expect(identity).toMatchObject({ type: 'identity', name: 'Example Election ISAC', identity_class: 'organization' });
    const labels = report.labels as string[];
    expect(labels).toContain('election:phase="pre-election"');
    expect(labels).toContain('admiralty-scale:source-reliability="b"');
    expect(labels).toContain('misp-galaxy:guidelines="Identity fraud during voter registration"');
    expect(labels).not.toContain('tlp:green'); // TLP becomes a marking, not a label
    expect(labels).not.toContain('misp-galaxy:threat-actor="APT28"'); // exported as a threat-actor SDO instead
    expect(report.object_marking_refs).toEqual([TLP_MARKING_IDS.GREEN]);
  });

  it('report object_refs cover every other produced object, and every ref resolves', () => {
    const ids = new Set(r.objects.map((o) => o.id));
    const refs = new Set(report.object_refs as string[]);
    for (const o of r.objects) if (o.type !== 'identity' && o.type !== 'report') expect(refs.has(o.id)).toBe(true);
    for (const o of r.objects) {
      for (const [k, v] of Object.entries(o)) {
        if (k === 'object_marking_refs') continue;
        const list = k.endsWith('_refs') ? (v as string[]) : k.endsWith('_ref') ? [v as string] : [];
        for (const ref of list) expect(ids.has(ref), `${o.id}.${k} → ${ref}`).toBe(true);
      }
    }
  });

  it('to_ids attributes become indicators, others observed-data + SCOs', () => {
    const ind = byId(r.objects, 'indicator--1b9e6c2a-7d3f-4e8a-9c1b-2f3e4d5c6b7a')!;
    expect(ind).toMatchObject({
      pattern: "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.45']",
      pattern_type: 'stix',
      pattern_version: '2.1',
      description: 'C2 server contacted by the phishing payload',
      kill_chain_phases: [{ kill_chain_name: 'misp-category', phase_name: 'Network activity' }],
    });
    expect(ind.labels).toEqual(['misp:type="ip-dst"', 'misp:category="Network activity"', 'misp:to_ids="True"']);
    const od = byId(r.objects, 'observed-data--7b5e2c8a-3d9f-4e4a-9c7b-8f9e0d1c2b3a')!;
    expect(od.first_observed).toBe('2024-10-27T08:15:00.000Z');
    expect(od.last_observed).toBe('2024-10-28T17:40:00.000Z');
    expect(od.object_refs).toEqual(['email-message--7b5e2c8a-3d9f-4e4a-9c7b-8f9e0d1c2b3a']);
    expect(byId(r.objects, 'email-message--7b5e2c8a-3d9f-4e4a-9c7b-8f9e0d1c2b3a')!.subject).toMatch(/poll-book/);
  });

  it('escapes quotes and backslashes in pattern string literals', () => {
    const ind = byId(r.objects, 'indicator--5f3c0a6e-1b7d-4c2e-9a5f-6d7c8b9a0f1e')!;
    expect(ind.pattern).toBe("[url:value = 'https://login.vote-countyelections-verify.example/sso/auth.php?county=o\\'brien&ref=x\\\\y']");
  });

  it('galaxies: threat actor SDO, attribute-level attack pattern with an indicates relationship, election galaxy kept as labels', () => {
    expect(byId(r.objects, 'threat-actor--5b4ee3ea-eee3-4c8e-8323-85ae32658754')).toMatchObject({ name: 'APT28', aliases: ['Sofacy', 'Fancy Bear', 'STRONTIUM'] });
    const ap = byId(r.objects, 'attack-pattern--2b742742-28c3-4e1b-bab7-8350d6300fa7')!;
    expect(ap.external_references).toContainEqual({ source_name: 'mitre-attack', external_id: 'T1566.002' });
    const rel = r.objects.find((o) => o.type === 'relationship')!;
    expect(rel).toMatchObject({ relationship_type: 'indicates', source_ref: 'indicator--1b9e6c2a-7d3f-4e8a-9c1b-2f3e4d5c6b7a', target_ref: ap.id });
    // the galaxy tag on the attribute is not repeated as a label
    expect(byId(r.objects, 'indicator--1b9e6c2a-7d3f-4e8a-9c1b-2f3e4d5c6b7a')!.labels).not.toContain(
      'misp-galaxy:mitre-attack-pattern="Spearphishing Link - T1566.002"',
    );
    const g = r.skipped.filter((s) => s.kind === 'galaxy-cluster').map((s) => s.attributeUuid);
    expect(g.sort()).toEqual(['154c6186-a007-4460-a029-ea23163448fe', '23dbb998-db8a-4cd4-90ab-ce6e8a9abe4b']);
  });

  it('TLP: event tag → tlp; an attribute tag can only make its object stricter; maxTlp reports it', () => {
    expect(r.tlp).toBe('GREEN');
    expect(r.maxTlp).toBe('AMBER');
    expect(byId(r.objects, 'indicator--2c0f7d3b-8e4a-4f9b-8d2c-3a4f5e6d7c8b')!.object_marking_refs).toEqual([TLP_MARKING_IDS.AMBER]);
    expect(byId(r.objects, 'indicator--3d1a8e4c-9f5b-4a0c-9e3d-4b5a6f7e8d9c')!.object_marking_refs).toEqual([TLP_MARKING_IDS.GREEN]);
    expect(r.sharing).toEqual({ scope: 'community', tlp: 'GREEN' });
  });

  it('MISP objects: file and network-connection become indicators (one IDS member suffices)', () => {
    expect(byId(r.objects, 'indicator--f3d0ae6c-1f7b-4a2c-9e5d-6b7a8f9e0d1c')!.pattern).toBe(
      "[file:name = 'Pollbook_Update_2024.docm' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND file:size = 48213]",
    );
    const nc = byId(r.objects, 'indicator--4825f3b1-6e2a-4f7b-8d0c-1a2f3e4d5c6b')!;
    expect(nc.pattern).toContain("network-traffic:dst_ref.value = '203.0.113.45'");
    expect(nc.pattern).toContain('network-traffic:dst_port = 443');
    expect(nc.labels).toContain('misp:name="network-connection"');
  });

  it('lists unmapped and deleted attributes as skipped with a reason', () => {
    const s = new Map(r.skipped.map((x) => [x.attributeUuid, x]));
    expect(s.get('c0ad7b3f-8c4e-4d9f-8b2a-3e4d5c6b7a8f')).toMatchObject({ type: 'text', kind: 'attribute' });
    expect(s.get('c0ad7b3f-8c4e-4d9f-8b2a-3e4d5c6b7a8f')!.reason).toMatch(/x-misp-attribute/);
    expect(s.get('e2cf9d5b-0e6a-4f1b-8d4c-5a6f7e8d9c0b')!.reason).toMatch(/deleted/);
    expect(r.objects.some((o) => o.id.endsWith('e2cf9d5b-0e6a-4f1b-8d4c-5a6f7e8d9c0b'))).toBe(false);
  });

  it('is deterministic', () => {
    expect(mispEventToStix(clone(fixture))).toEqual(r);
  });

  it('every object passes the basic STIX checks and the STIX validator when available', async () => {
    for (const o of r.objects) expect(basicProblems(o), o.id).toEqual([]);
    const validate = await loadStixValidator();
    if (validate) for (const o of r.objects) expect(validate(o), o.id).toMatchObject({ ok: true });
  });
});

// type, value, expected pattern (to_ids), expected SCO types (to_ids false; null = not observable)
const ATTRIBUTE_CASES: [string, string, string, string[] | null][] = [
  ['ip-src', '1.2.3.4', "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '1.2.3.4']", ['network-traffic', 'ipv4-addr']],
  ['ip-dst', '5.6.7.0/24', "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '5.6.7.0/24']", ['network-traffic', 'ipv4-addr']],
  ['ip-dst', '2001:db8::/32', "[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '2001:db8::/32']", ['network-traffic', 'ipv6-addr']],
  ['ip-src|port', '1.2.3.4|1234', "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '1.2.3.4' AND network-traffic:src_port = 1234]", ['network-traffic', 'ipv4-addr']],
  ['ip-dst|port', '5.6.7.8|5678', "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '5.6.7.8' AND network-traffic:dst_port = 5678]", ['network-traffic', 'ipv4-addr']],
  ['domain', 'circl.lu', "[domain-name:value = 'circl.lu']", ['domain-name']],
  ['hostname', 'www.circl.lu', "[domain-name:value = 'www.circl.lu']", ['domain-name']],
  ['domain|ip', 'circl.lu|149.13.33.14', "[domain-name:value = 'circl.lu' AND domain-name:resolves_to_refs[*].value = '149.13.33.14']", ['domain-name', 'ipv4-addr']],
  ['hostname|port', 'circl.lu|8443', "[domain-name:value = 'circl.lu' AND network-traffic:dst_port = 8443]", ['domain-name', 'network-traffic']],
  ['url', 'https://circl.lu/team', "[url:value = 'https://circl.lu/team']", ['url']],
  ['uri', '/admin/login.php', "[url:value = '/admin/login.php']", null],
  ['uri', 'https://vote.example/admin/login.php', "[url:value = 'https://vote.example/admin/login.php']", ['url']],
  ['link', 'https://example.org/report', "[url:value = 'https://example.org/report']", ['url']],
  ['email', 'address@email.test', "[email-addr:value = 'address@email.test']", ['email-addr']],
  ['email-src', 'source@email.test', "[email-message:from_ref.value = 'source@email.test']", ['email-message', 'email-addr']],
  ['email-dst', 'destination@email.test', "[email-message:to_refs[*].value = 'destination@email.test']", ['email-message', 'email-addr']],
  ['email-subject', "Vote by mail: you're registered", "[email-message:subject = 'Vote by mail: you\\'re registered']", ['email-message']],
  ['email-reply-to', 'reply@email.test', "[email-message:additional_header_fields.reply_to = 'reply@email.test']", ['email-message']],
  ['email-x-mailer', 'Mutt 2.2', "[email-message:additional_header_fields.x_mailer = 'Mutt 2.2']", ['email-message']],
  ['md5', 'B2A5ABFEEF9E36964281A31E17B57C97', "[file:hashes.MD5 = 'b2a5abfeef9e36964281a31e17b57c97']", ['file']],
  ['sha1', '2920d5e6c579fce772e5506caf03af65579088bd', "[file:hashes.'SHA-1' = '2920d5e6c579fce772e5506caf03af65579088bd']", ['file']],
  ['sha256', '7fa3dab7e7a8dee9f73b5e3f4e5c2e0a7d7e7a6b5c4d3e2f1a0b9c8d7e6f5a4b', "[file:hashes.'SHA-256' = '7fa3dab7e7a8dee9f73b5e3f4e5c2e0a7d7e7a6b5c4d3e2f1a0b9c8d7e6f5a4b']", ['file']],
  ['sha512', 'a'.repeat(128), `[file:hashes.'SHA-512' = '${'a'.repeat(128)}']`, ['file']],
  ['ssdeep', '96:QRWkwoBevsL0JsqKPlHPqU7sh:QRWkwoBevsL0JsqKFY7Q', "[file:hashes.SSDEEP = '96:QRWkwoBevsL0JsqKPlHPqU7sh:QRWkwoBevsL0JsqKFY7Q']", ['file']],
  ['filename', 'ballot.pdf.exe', "[file:name = 'ballot.pdf.exe']", ['file']],
  ['filename|md5', 'ballot.exe|b2a5abfeef9e36964281a31e17b57c97', "[file:name = 'ballot.exe' AND file:hashes.MD5 = 'b2a5abfeef9e36964281a31e17b57c97']", ['file']],
  ['filename|sha1', 'a|b.exe|2920d5e6c579fce772e5506caf03af65579088bd', "[file:name = 'a|b.exe' AND file:hashes.'SHA-1' = '2920d5e6c579fce772e5506caf03af65579088bd']", ['file']],
  ['filename|sha256', 'ballot.exe|' + 'b'.repeat(64), `[file:name = 'ballot.exe' AND file:hashes.'SHA-256' = '${'b'.repeat(64)}']`, ['file']],
  ['malware-sample', 'sample.zip|b2a5abfeef9e36964281a31e17b57c97', "[file:name = 'sample.zip' AND file:hashes.MD5 = 'b2a5abfeef9e36964281a31e17b57c97']", ['file']],
  ['mac-address', '12-34-56-78-9A-BC', "[mac-addr:value = '12:34:56:78:9a:bc']", ['mac-addr']],
  ['mutex', 'Global\\votemutex', "[mutex:name = 'Global\\\\votemutex']", ['mutex']],
  ['AS', 'AS174', '[autonomous-system:number = 174]', ['autonomous-system']],
  ['regkey', 'HKLM\\Software\\Run', "[windows-registry-key:key = 'HKLM\\\\Software\\\\Run']", ['windows-registry-key']],
  ['x509-fingerprint-sha1', '2920d5e6c579fce772e5506caf03af65579088bd', "[x509-certificate:hashes.'SHA-1' = '2920d5e6c579fce772e5506caf03af65579088bd']", ['x509-certificate']],
  ['port', '8443', '[network-traffic:dst_port = 8443]', null],
  ['size-in-bytes', '1234', '[file:size = 1234]', null],
  ['http-method', 'POST', "[network-traffic:extensions.'http-request-ext'.request_method = 'POST']", null],
  ['user-agent', 'Mozilla/5.0', "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'Mozilla/5.0']", null],
];

describe('attribute type mappings', () => {
  it.each(ATTRIBUTE_CASES)('%s %s → indicator pattern', (type, value, pattern) => {
    const r = mispEventToStix(eventWith({ Attribute: [attr(type, value, true)] }));
    expect(r.skipped).toEqual([]);
    const ind = byId(r.objects, `indicator--${ATTR_UUID}`)!;
    expect(ind.pattern).toBe(pattern);
    expect(ind.valid_from).toBe('2020-10-25T16:22:00.000Z');
    expect(basicProblems(ind)).toEqual([]);
  });

  it.each(ATTRIBUTE_CASES)('%s %s (to_ids false) → observed-data or skipped', (type, value, _p, scoTypes) => {
    const r = mispEventToStix(eventWith({ Attribute: [attr(type, value, false)] }));
    if (scoTypes === null) {
      expect(r.skipped).toHaveLength(1);
      expect(r.skipped[0]).toMatchObject({ attributeUuid: ATTR_UUID, type, kind: 'attribute' });
      expect(r.objects.some((o) => o.type === 'observed-data')).toBe(false);
      return;
    }
    const od = byId(r.objects, `observed-data--${ATTR_UUID}`)!;
    expect(od.object_refs).toEqual(scoTypes.map((t) => `${t}--${ATTR_UUID}`));
    for (const ref of od.object_refs as string[]) expect(byId(r.objects, ref)).toBeDefined();
    expect(r.objects.some((o) => o.type === 'indicator')).toBe(false);
  });

  it('campaign-name and vulnerability become SDOs regardless of to_ids', () => {
    const a1 = { ...attr('campaign-name', 'Operation Ballot Box', false), uuid: '11111111-1111-4111-8111-111111111111' };
    const a2 = { ...attr('vulnerability', 'CVE-2024-12345', true), uuid: '22222222-2222-4222-8222-222222222222' };
    const r = mispEventToStix(eventWith({ Attribute: [a1, a2] }));
    expect(byId(r.objects, 'campaign--11111111-1111-4111-8111-111111111111')).toMatchObject({ name: 'Operation Ballot Box' });
    expect(byId(r.objects, 'vulnerability--22222222-2222-4222-8222-222222222222')).toMatchObject({
      name: 'CVE-2024-12345',
      external_references: [{ source_name: 'cve', external_id: 'CVE-2024-12345' }],
    });
  });

  it.each([
    ['ip-dst', 'not-an-ip'],
    ['ip-dst', '1.2.3.4/33'],
    ['ip-src|port', '1.2.3.4|70000'],
    ['md5', 'abc'],
    ['sha256', 'z'.repeat(64)],
    ['domain', 'has space.com'],
    ['email-src', 'no-at-sign'],
    // found by the property test: "something@something" but not an address the STIX schema accepts
    ['email', '!@|aaaaa00aa0aaa0a000aaa000a00a000a'],
    ['email-dst', 'someone@localhost'],
    ['filename|md5', 'nohash'],
    ['AS', 'ASX'],
    ['url', '   '],
  ])('invalid %s value %j is skipped with a reason', (type, value) => {
    const r = mispEventToStix(eventWith({ Attribute: [attr(type, value, true)] }));
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatchObject({ attributeUuid: ATTR_UUID, type, kind: 'attribute' });
    expect(r.skipped[0].reason).toMatch(/invalid value/);
    expect(r.objects.some((o) => o.type === 'indicator')).toBe(false);
  });

  it('unmapped types are skipped by default, or become notes on request', () => {
    const a = attr('btc', '1E38kt7ryhbRXUzbam6iQ6sd93VHUUdjEE', true, { category: 'Financial fraud' });
    const skipped = mispEventToStix(eventWith({ Attribute: [a] }));
    expect(skipped.skipped[0]).toMatchObject({ type: 'btc', attributeUuid: ATTR_UUID });
    // an event with nothing convertible still yields a valid report, via a misp-stix style note
    const rep = byId(skipped.objects, skipped.reportId)!;
    expect(rep.object_refs).toEqual([`note--${EVENT_UUID}`]);
    const noted = mispEventToStix(eventWith({ Attribute: [a] }), { unmapped: 'note' });
    expect(noted.skipped).toEqual([]);
    const note = byId(noted.objects, `note--${ATTR_UUID}`)!;
    expect(note.content).toContain('1E38kt7ryhbRXUzbam6iQ6sd93VHUUdjEE');
    expect(note.object_refs).toEqual([noted.reportId]);
  });

  it('first_seen/last_seen drive valid_from/valid_until', () => {
    const a = attr('domain', 'evil.example', true, { first_seen: '2024-01-01T00:00:00+00:00', last_seen: '2024-02-01T12:00:00.000000+00:00' });
    const ind = byId(mispEventToStix(eventWith({ Attribute: [a] })).objects, `indicator--${ATTR_UUID}`)!;
    expect(ind.valid_from).toBe('2024-01-01T00:00:00.000Z');
    expect(ind.valid_until).toBe('2024-02-01T12:00:00.000Z');
  });
});

describe('TLP tags and distribution → sharing', () => {
  it.each([
    [0, undefined, { scope: 'organisation', tlp: 'AMBER+STRICT' }],
    [1, undefined, { scope: 'community', tlp: 'GREEN' }],
    ['2', undefined, { scope: 'community', tlp: 'GREEN' }],
    ['3', undefined, { scope: 'all', tlp: 'GREEN' }],
    ['4', { name: 'County election officials', uuid: '5f0c3c1a-8a1d-4c8e-9c2b-0e3f5a6b7c8d' }, { scope: 'sharing-group', tlp: 'AMBER', sharingGroupName: 'County election officials' }],
    [undefined, undefined, { scope: 'organisation' }],
  ])('distribution %j', (distribution, SharingGroup, expected) => {
    const r = mispEventToStix(eventWith({ distribution, ...(SharingGroup ? { SharingGroup } : {}) }));
    expect(r.sharing).toEqual(expected);
    expect(r.tlp).toBeNull();
  });

  it.each([
    ['tlp:white', 'CLEAR'],
    ['tlp:clear', 'CLEAR'],
    ['TLP:GREEN', 'GREEN'],
    ['tlp:amber', 'AMBER'],
    ['tlp:amber+strict', 'AMBER+STRICT'],
    ['tlp:red', 'RED'],
  ])('tag %s → %s and wins over distribution', (tag, tlp) => {
    const r = mispEventToStix(eventWith({ distribution: '0', Tag: [{ name: tag }] }));
    expect(r.tlp).toBe(tlp);
    expect(r.sharing).toEqual({ scope: 'organisation', tlp });
    const report = byId(r.objects, r.reportId)!;
    expect(report.object_marking_refs).toEqual([TLP_MARKING_IDS[tlp as keyof typeof TLP_MARKING_IDS]]);
    expect(report.labels).toBeUndefined();
  });

  it('several TLP tags → the most restrictive', () => {
    expect(mispEventToStix(eventWith({ Tag: [{ name: 'tlp:red' }, { name: 'tlp:green' }] })).tlp).toBe('RED');
  });

  it('markingRefs: false leaves object_marking_refs off', () => {
    const r = mispEventToStix(eventWith({ Tag: [{ name: 'tlp:amber' }] }), { markingRefs: false });
    expect(r.objects.some((o) => 'object_marking_refs' in o)).toBe(false);
    expect(r.tlp).toBe('AMBER');
  });
});

const cluster = (uuid: string, value: string, meta: Record<string, unknown> = {}) => ({ uuid, value, description: `${value} description`, meta });
const galaxy = (type: string, ...clusters: ReturnType<typeof cluster>[]) => ({ uuid: 'c4e851fa-775f-11e7-8163-b774922098cd', name: type, type, description: `${type} galaxy`, GalaxyCluster: clusters });

describe('galaxies', () => {
  it.each([
    ['threat-actor', 'threat-actor'],
    ['microsoft-activity-group', 'threat-actor'],
    ['malpedia', 'malware'],
    ['ransomware', 'malware'],
    ['mitre-malware', 'malware'],
    ['tool', 'tool'],
    ['mitre-tool', 'tool'],
    ['botnet', 'tool'],
    ['mitre-attack-pattern', 'attack-pattern'],
    ['mitre-course-of-action', 'course-of-action'],
    ['branded-vulnerability', 'vulnerability'],
  ])('%s galaxy → %s', (gtype, sdoType) => {
    const c = cluster('b8eb28e4-48a6-40ae-951a-328714f75eda', 'Cluster X', { synonyms: ['Alias One'] });
    const r = mispEventToStix(eventWith({ Galaxy: [galaxy(gtype, c)] }));
    const sdo = byId(r.objects, `${sdoType}--${c.uuid}`)!;
    expect(sdo).toMatchObject({ type: sdoType, name: 'Cluster X', description: `${gtype} galaxy | Cluster X description` });
    if (sdoType === 'malware') expect(sdo.is_family).toBe(true);
    expect((byId(r.objects, r.reportId)!.object_refs as string[]).includes(sdo.id)).toBe(true);
    expect(basicProblems(sdo)).toEqual([]);
  });

  it('attribute-level malware galaxy → indicates relationship; observed-data → related-to', () => {
    const g = galaxy('ransomware', cluster('3a4f5e6d-7c8b-4a9f-8e1d-2c3b4a5f6e7d', 'VoteLocker'));
    const a1 = attr('sha256', 'c'.repeat(64), true, { Galaxy: [g] });
    const a2 = { ...attr('domain', 'locker.example', false, { Galaxy: [g] }), uuid: '44444444-4444-4444-8444-444444444444' };
    const r = mispEventToStix(eventWith({ Attribute: [a1, a2] }));
    const rels = r.objects.filter((o) => o.type === 'relationship');
    expect(rels.map((x) => [x.source_ref, x.relationship_type, x.target_ref]).sort()).toEqual(
      [
        [`indicator--${ATTR_UUID}`, 'indicates', 'malware--3a4f5e6d-7c8b-4a9f-8e1d-2c3b4a5f6e7d'],
        ['observed-data--44444444-4444-4444-8444-444444444444', 'related-to', 'malware--3a4f5e6d-7c8b-4a9f-8e1d-2c3b4a5f6e7d'],
      ].sort(),
    );
    expect(r.objects.filter((o) => o.type === 'malware')).toHaveLength(1);
  });

  it('election guidelines galaxy: labels by default, an SDO with galaxyTypeMappings', () => {
    const election = JSON.parse(readFileSync('/work/shared/data/misp-election-guidelines/cluster.json', 'utf8')) as {
      values: { uuid: string; value: string; description: string; meta: Record<string, unknown> }[];
    };
    const picked = election.values.slice(0, 3);
    const g = { uuid: 'c1dc03b2-89b3-42a5-9d41-782ef726435a', name: 'Election guidelines', type: 'guidelines', description: 'Election guidelines', GalaxyCluster: picked };
    const plain = mispEventToStix(eventWith({ Galaxy: [g] }));
    expect(byId(plain.objects, plain.reportId)!.labels).toEqual(picked.map((c) => `misp-galaxy:guidelines="${c.value}"`));
    expect(plain.skipped.map((s) => s.attributeUuid)).toEqual(picked.map((c) => c.uuid));
    const mapped = mispEventToStix(eventWith({ Galaxy: [g] }), { galaxyTypeMappings: { guidelines: 'attack-pattern' } });
    for (const c of picked) expect(byId(mapped.objects, `attack-pattern--${c.uuid}`)).toMatchObject({ name: c.value });
    expect(mapped.skipped).toEqual([]);
  });
});

const OBJ_UUID = '5afacc53-c0b0-4825-a6ee-03c80a00020f';
const member = (n: number, object_relation: string, type: string, value: string, to_ids = false) => ({
  uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  object_relation,
  type,
  value,
  to_ids,
  category: 'Network activity',
});
const mispObject = (name: string, attrs: unknown[]) => ({ uuid: OBJ_UUID, name, 'meta-category': 'network', timestamp: '1603642920', Attribute: attrs });

describe('MISP objects', () => {
  it.each([
    [
      'domain-ip',
      [member(1, 'domain', 'domain', 'circl.lu', true), member(2, 'ip', 'ip-dst', '149.13.33.14'), member(3, 'ip', 'ip-dst', '2001:db8::1')],
      "[domain-name:value = 'circl.lu' AND domain-name:resolves_to_refs[*].value = '149.13.33.14' AND domain-name:resolves_to_refs[*].value = '2001:db8::1']",
    ],
    ['url', [member(1, 'url', 'url', 'https://vote.example/x', true), member(2, 'domain', 'domain', 'vote.example')], "[url:value = 'https://vote.example/x']"],
    [
      'email',
      [member(1, 'from', 'email-src', 'a@b.example', true), member(2, 'to', 'email-dst', 'c@d.example'), member(3, 'subject', 'email-subject', 'Hi'), member(4, 'reply-to', 'email-reply-to', 'r@b.example')],
      "[email-message:from_ref.value = 'a@b.example' AND email-message:to_refs[*].value = 'c@d.example' AND email-message:subject = 'Hi' AND email-message:additional_header_fields.reply_to = 'r@b.example']",
    ],
    [
      'ip-port',
      [member(1, 'ip', 'ip-dst', '149.13.33.14', true), member(2, 'dst-port', 'port', '443')],
      "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '149.13.33.14' AND network-traffic:dst_port = 443]",
    ],
    [
      'file',
      [member(1, 'filename', 'filename', 'x.exe', true), member(2, 'md5', 'md5', 'b2a5abfeef9e36964281a31e17b57c97')],
      "[file:name = 'x.exe' AND file:hashes.MD5 = 'b2a5abfeef9e36964281a31e17b57c97']",
    ],
  ])('%s object → indicator', (name, attrs, pattern) => {
    const r = mispEventToStix(eventWith({ Object: [mispObject(name, attrs)] }));
    const ind = byId(r.objects, `indicator--${OBJ_UUID}`)!;
    expect(ind.pattern).toBe(pattern);
    expect(ind.labels).toEqual([`misp:name="${name}"`, 'misp:meta-category="network"', 'misp:to_ids="True"']);
  });

  it('object without IDS members → observed-data with SCOs (ip-port with hostname only)', () => {
    const o = mispObject('ip-port', [member(1, 'hostname', 'hostname', 'poll.example'), member(2, 'dst-port', 'port', '8080')]);
    const r = mispEventToStix(eventWith({ Object: [o] }));
    const od = byId(r.objects, `observed-data--${OBJ_UUID}`)!;
    const nt = byId(r.objects, `network-traffic--${OBJ_UUID}`)!;
    expect(od.object_refs).toContain(nt.id);
    expect(nt).toMatchObject({ dst_port: 8080, dst_ref: 'domain-name--00000000-0000-4000-8000-000000000001', protocols: ['tcp'] });
  });

  it('unsupported object templates and unusable IDS members are reported', () => {
    const r = mispEventToStix(
      eventWith({
        Object: [
          { ...mispObject('vehicle', [member(1, 'plate', 'text', 'AB-123')]), uuid: '66666666-6666-4666-8666-666666666666' },
          mispObject('file', [member(2, 'filename', 'filename', 'a.exe', true), member(3, 'md5', 'md5', 'nothex', true)]),
        ],
      }),
    );
    expect(r.skipped).toContainEqual(expect.objectContaining({ attributeUuid: '66666666-6666-4666-8666-666666666666', type: 'object:vehicle', kind: 'object' }));
    expect(r.skipped).toContainEqual(expect.objectContaining({ attributeUuid: '00000000-0000-4000-8000-000000000003', kind: 'object-attribute' }));
  });
});

describe('input validation', () => {
  const expectIssue = (input: unknown, path: string) => {
    try {
      mispEventToStix(input);
    } catch (e) {
      expect(e).toBeInstanceOf(MispValidationError);
      expect((e as MispValidationError).issues.map((i) => i.path)).toContain(path);
      return;
    }
    throw new Error('expected a MispValidationError');
  };
  it('names the JSON path of the problem', () => {
    expectIssue({ Event: { ...clone(fixture.Event), uuid: 'nope' } }, 'Event.uuid');
    const bad = clone(fixture);
    bad.Event.Attribute[3].timestamp = 'yesterday';
    expectIssue(bad, 'Event.Attribute[3].timestamp');
    const bad2 = clone(fixture);
    delete bad2.Event.Object[1].Attribute[0].value;
    expectIssue(bad2, 'Event.Object[1].Attribute[0].value');
    const bad3 = clone(fixture);
    bad3.Event.Galaxy[0].GalaxyCluster = 'x';
    expectIssue(bad3, 'Event.Galaxy[0].GalaxyCluster');
    expectIssue([], '$');
    expectIssue('{not json', '$');
    expectIssue({ Event: null }, 'Event');
  });
  it('accepts the bare event, a JSON string, and numeric strings where MISP sends them', () => {
    expect(mispEventToStix(fixture.Event).reportId).toBe(mispEventToStix(JSON.stringify(fixture)).reportId);
    expect(parseMispEvent(fixture).distribution).toBe(1);
  });
  it('safeMispEventToStix returns the error instead of throwing', () => {
    const r = safeMispEventToStix({});
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.issues.length).toBeGreaterThan(0);
  });
});
