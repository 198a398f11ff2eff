/**
 * Example patterns from the STIX 2.1 specification (section 9, "STIX
 * Patterning", and the indicator examples), as they appear in the spec.
 */
import { describe, expect, it } from 'vitest';
import { formatPattern, matchPattern, parsePattern, type ObservedData } from './index.ts';

const SPEC_EXAMPLES: string[] = [
  String.raw`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
  String.raw`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
  String.raw`[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']`,
  String.raw`[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']`,
  String.raw`[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar'] WITHIN 300 SECONDS`,
  String.raw`[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']`,
  String.raw`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
  String.raw`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
  String.raw`[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]`,
  String.raw`[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']`,
  String.raw`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']`,
  String.raw`[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS`,
  String.raw`[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']`,
  String.raw`[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']`,
  String.raw`[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']`,
  String.raw`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
  String.raw`[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']`,
  String.raw`[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']`,
  String.raw`[x-usb-device:usbdrive.serial_number = '575833314133343231313937']`,
  String.raw`[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS`,
  String.raw`[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']`,
  String.raw`([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']`,
  String.raw`[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
  String.raw`([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 600 SECONDS`,
  String.raw`[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32']`,
  String.raw`[file:name = 'testfile.txt' AND file:extensions.'ntfs-ext'.alternate_data_streams[*].name = 'second.stream']`,
];

const REDUNDANT_PARENS = new Set([SPEC_EXAMPLES[21]]);

describe('STIX 2.1 specification examples', () => {
  it.each(SPEC_EXAMPLES)('parses, prints canonically and re-parses: %s', (text) => {
    const ast = parsePattern(text);
    const printed = formatPattern(ast);
    // The spec examples are written canonically, except for redundant parentheses the printer drops.
    expect(printed).toBe(REDUNDANT_PARENS.has(text) ? text.replace(/^\(|\)(?= OR \[process)/g, '') : text);
    expect(parsePattern(printed)).toEqual(ast);
  });

  it('evaluates the email example (refs, [*], MATCHES)', () => {
    const data: ObservedData[] = [
      {
        type: 'observed-data',
        id: 'observed-data--1',
        first_observed: '2024-01-01T00:00:00Z',
        last_observed: '2024-01-01T00:00:00Z',
        number_observed: 1,
        objects: {
          '0': { type: 'email-addr', value: 'boss@example.com' },
          '1': { type: 'file', name: 'Final Report 2024.exe' },
          '2': {
            type: 'email-message',
            is_multipart: true,
            from_ref: '0',
            body_multipart: [{ body: 'see attached' }, { body_raw_ref: '1' }],
          },
        },
      },
    ];
    expect(matchPattern(SPEC_EXAMPLES[1], data).matched).toBe(true);
    const renamed = structuredClone(data);
    renamed[0].objects!['1'].name = 'Final Report.pdf';
    expect(matchPattern(SPEC_EXAMPLES[1], renamed).matched).toBe(false);
  });

  it('evaluates the user-account example (three distinct observations)', () => {
    const ua = (id: string, login: string) => ({
      type: 'observed-data',
      id: `observed-data--${id}`,
      first_observed: '2024-01-01T00:00:00Z',
      last_observed: '2024-01-01T00:00:00Z',
      number_observed: 1,
      objects: { '0': { type: 'user-account', account_type: 'unix', user_id: id, account_login: login } },
    });
    expect(matchPattern(SPEC_EXAMPLES[5], [ua('1007', 'Peter'), ua('1008', 'Paul'), ua('1009', 'Mary')]).matched).toBe(true);
    expect(matchPattern(SPEC_EXAMPLES[5], [ua('1007', 'Peter'), ua('1008', 'Paul'), ua('1009', 'Maria')]).matched).toBe(false);
  });

  it('evaluates the ntfs alternate data streams example', () => {
    const data = [
      {
        type: 'observed-data',
        id: 'observed-data--ads',
        first_observed: '2024-01-01T00:00:00Z',
        last_observed: '2024-01-01T00:00:00Z',
        number_observed: 1,
        objects: { '0': { type: 'file', name: 'testfile.txt', extensions: { 'ntfs-ext': { alternate_data_streams: [{ name: 'first.stream' }, { name: 'second.stream' }] } } } },
      },
    ];
    expect(matchPattern(SPEC_EXAMPLES[25], data).matched).toBe(true);
  });
});
