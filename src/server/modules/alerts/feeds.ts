import { alertPageUrl } from './email.ts';
import { uuidv5 } from '../../../lib/stix/index.ts';
import type { AlertRow } from './alerts.repo.ts';
import { markdownToText } from './markdown.ts';

/** Machine feeds of published alerts: a STIX 2.1 report (for intel/TAXII), OASIS CAP 1.2, Atom. */

/** The namespace intel uses for organisations' identity objects (UUIDv5 over the org id), so refs line up. */
const ORG_IDENTITY_NAMESPACE = '6b1c3a52-2f0e-5a4e-9a57-2d5f6e0c8a11';
const stixTime = (d: Date) => d.toISOString();

/** One report per alert; each published revision is a new version (same id and created, later modified). */
export function stixReport(a: AlertRow, at: Date, publicUrl: string): Record<string, unknown> {
  const identity = a.ownerOrgId ? `identity--${uuidv5(ORG_IDENTITY_NAMESPACE, a.ownerOrgId)}` : null;
  const refs = a.stixRefs.length ? a.stixRefs : identity ? [identity] : [];
  const created = a.publishedAt ?? at;
  return {
    type: 'report', spec_version: '2.1', id: `report--${a.id}`,
    created: stixTime(created), modified: stixTime(at > created ? at : created),
    name: `${a.number}: ${a.title}`,
    description: [a.summary, markdownToText(a.bodyMd)].filter(Boolean).join('\n\n'),
    report_types: ['threat-report'],
    published: stixTime(created),
    object_refs: refs,
    ...(identity ? { created_by_ref: identity } : {}),
    labels: [`alert-level:${a.level.toLowerCase()}`, a.kind],
    external_references: [{ source_name: 'rampart', external_id: a.number, url: alertPageUrl(publicUrl, a.id) }, ...a.references.map((url) => ({ source_name: 'reference', url }))],
    x_rampart_alert_level: a.level,
    x_rampart_revision: a.revision,
    ...(a.affectedSectors.length ? { x_rampart_sectors: a.affectedSectors } : {}),
  };
}

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
  // characters XML 1.0 forbids
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
/** CAP dateTime: no fractional seconds, explicit offset, never "Z". */
const capTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
const CAP_SEVERITY: Record<AlertRow['level'], string> = { Low: 'Minor', Guarded: 'Minor', Elevated: 'Moderate', High: 'Severe', Severe: 'Extreme' };
const CAP_URGENCY: Record<AlertRow['level'], string> = { Low: 'Future', Guarded: 'Expected', Elevated: 'Expected', High: 'Immediate', Severe: 'Immediate' };

function capSender(publicUrl: string): string {
  return `rampart@${new URL(publicUrl).hostname}`;
}

export function capXml(a: AlertRow, publicUrl: string, jurisdictionNames: Map<string, string>): string {
  const sender = capSender(publicUrl);
  const identifier = `${a.number}-r${a.revision}`;
  const sent = a.revision > 1 ? a.updatedAt : (a.publishedAt ?? a.updatedAt);
  const refs = a.revision > 1 ? `<references>${xml(`${sender},${a.number}-r${a.revision - 1},${capTime(a.publishedAt ?? a.updatedAt)}`)}</references>` : '';
  const fips = a.affectedFips;
  const area = fips.length
    ? `<area><areaDesc>${xml(fips.map((f) => jurisdictionNames.get(f) ?? f).join('; '))}</areaDesc>${fips
        .map((f) => `<geocode><valueName>${f.length === 2 ? 'FIPS-STATE' : 'SAME'}</valueName><value>${xml(f.length === 2 ? f : `0${f}`)}</value></geocode>`).join('')}</area>`
    : '<area><areaDesc>United States</areaDesc></area>';
  const description = [a.summary, markdownToText(a.bodyMd)].filter(Boolean).join('\n\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>${xml(identifier)}</identifier>
  <sender>${xml(sender)}</sender>
  <sent>${capTime(sent)}</sent>
  <status>Actual</status>
  <msgType>${a.revision > 1 ? 'Update' : 'Alert'}</msgType>
  <scope>Public</scope>
  <code>TLP:CLEAR</code>
  ${refs}
  <info>
    <language>en-US</language>
    <category>Security</category>
    <event>${xml(a.kind === 'advisory' ? 'Election security advisory' : 'Election security alert')}</event>
    <responseType>${a.recommendedActions.length ? 'Prepare' : 'Monitor'}</responseType>
    <urgency>${CAP_URGENCY[a.level]}</urgency>
    <severity>${CAP_SEVERITY[a.level]}</severity>
    <certainty>Likely</certainty>
    <audience>Election officials and the public</audience>
    <effective>${capTime(a.publishedAt ?? a.updatedAt)}</effective>
    ${a.expiresAt ? `<expires>${capTime(a.expiresAt)}</expires>` : ''}
    <senderName>Rampart</senderName>
    <headline>${xml(`${a.number}: ${a.title}`.slice(0, 160))}</headline>
    <description>${xml(description)}</description>
    ${a.recommendedActions.length ? `<instruction>${xml(a.recommendedActions.map((x, i) => `${i + 1}. ${x}`).join('\n'))}</instruction>` : ''}
    <web>${xml(alertPageUrl(publicUrl, a.id))}</web>
    <parameter><valueName>RampartAlertLevel</valueName><value>${a.level}</value></parameter>
    <parameter><valueName>TLP</valueName><value>CLEAR</value></parameter>
    ${area}
  </info>
</alert>
`;
}

function atomEntry(a: AlertRow, publicUrl: string, link: string): string {
  return `  <entry>
    <id>urn:uuid:${a.id}</id>
    <title>${xml(`[${a.level}] ${a.number}: ${a.title}`)}</title>
    <updated>${a.updatedAt.toISOString()}</updated>
    <published>${(a.publishedAt ?? a.updatedAt).toISOString()}</published>
    <link rel="alternate" type="text/html" href="${xml(alertPageUrl(publicUrl, a.id))}"/>
    <link rel="related" type="application/cap+xml" href="${xml(link)}"/>
    <category term="${xml(a.level)}"/>
    <summary>${xml(a.summary)}</summary>
    <content type="html">${xml(a.bodyHtml)}</content>
  </entry>`;
}

/** Atom 1.0 (RFC 4287) of public (TLP:CLEAR) alerts; each entry links its CAP document. */
export function atomFeed(alerts: AlertRow[], publicUrl: string, opts: { self: string; title: string }): string {
  const updated = alerts.reduce((m, a) => (a.updatedAt > m ? a.updatedAt : m), new Date(0));
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(`${publicUrl}${opts.self}`)}</id>
  <title>${xml(opts.title)}</title>
  <updated>${updated.toISOString()}</updated>
  <author><name>Rampart</name></author>
  <link rel="self" href="${xml(`${publicUrl}${opts.self}`)}"/>
${alerts.map((a) => atomEntry(a, publicUrl, `${publicUrl}/feeds/cap/${a.id}.xml`)).join('\n')}
</feed>
`;
}
