import { uploadWithProgress, type Me, type paths } from '../../api';
import type { Tlp } from '../../theme';

export { queryString } from '../intel/intel';

/** Types of the incidents API (/api/incidents), from the generated contract. */
type Ok<P extends keyof paths, M extends 'get' | 'post' | 'patch'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer J } } }
    ? J
    : R extends { 201: { content: { 'application/json': infer J } } }
      ? J
      : never
  : never;

export type IncidentList = Ok<'/api/incidents', 'get'>;
export type IncidentSummary = IncidentList['items'][number];
export type Incident = Ok<'/api/incidents/{id}', 'get'>;
export type ListQuery = NonNullable<paths['/api/incidents']['get']['parameters']['query']>;
export type DraftBody = NonNullable<paths['/api/incidents/{id}']['patch']['requestBody']>['content']['application/json'];
export type Task = Ok<'/api/incidents/{id}/tasks', 'get'>['items'][number];
export type TimelineEntry = Ok<'/api/incidents/{id}/timeline', 'get'>['items'][number];
export type Attachment = Ok<'/api/incidents/{id}/attachments', 'get'>['items'][number];
export type Observable = Ok<'/api/incidents/{id}/observables', 'get'>['items'][number];
export type Playbook = Ok<'/api/incidents/playbooks', 'get'>['items'][number];
export type Status = Incident['status'];
export type Priority = NonNullable<Incident['priority']>;
export type IncidentType = NonNullable<DraftBody['incidentType']>;
export type EscalationField = NonNullable<NonNullable<paths['/api/incidents/{id}/escalations']['post']['requestBody']>['content']['application/json']['fields']>[number];

export const INCIDENTS_BASE = '/infrastructure/incidents';
export const incidentPath = (id: string) => `${INCIDENTS_BASE}/${encodeURIComponent(id)}`;
export const reportPath = (id?: string) => `${INCIDENTS_BASE}/report${id ? `/${encodeURIComponent(id)}` : ''}`;

type Options<T extends string> = { value: T; label: string; hint?: string }[];
const labelsOf = <T extends string>(o: Options<T>) => Object.fromEntries(o.map((x) => [x.value, x.label])) as Record<T, string>;
export const options = <T extends string>(o: Options<T>) => o.map(({ value, label }) => ({ value, label }));

export const TYPES: Options<IncidentType> = [
  { value: 'phishing_account_compromise', label: 'Phishing or a compromised account' },
  { value: 'ransomware', label: 'Ransomware or other malware' },
  { value: 'ddos_results_site', label: 'Website down or slow (denial of service)' },
  { value: 'website_defacement', label: 'Website changed without permission (defacement)' },
  { value: 'voter_registration_intrusion', label: 'Intrusion into voter registration' },
  { value: 'insider', label: 'Insider misuse' },
  { value: 'influence_operation', label: 'False information or impersonation (influence operation)' },
  { value: 'physical_threat', label: 'Physical threat or break-in' },
  { value: 'other', label: 'Something else / not sure' },
];
export const TYPE_LABELS = labelsOf(TYPES);

export const SYSTEMS: Options<NonNullable<DraftBody['electionSystems']>[number]> = [
  { value: 'voter_registration', label: 'Voter registration' },
  { value: 'e_pollbooks', label: 'E-pollbooks' },
  { value: 'election_night_reporting', label: 'Election-night reporting site' },
  { value: 'ballot_marking_devices', label: 'Ballot marking devices' },
  { value: 'tabulators', label: 'Tabulators' },
  { value: 'email', label: 'Email' },
  { value: 'social_media', label: 'Social media accounts' },
  { value: 'physical', label: 'Buildings, equipment or people (physical)' },
  { value: 'other', label: 'Something else' },
];
export const SYSTEM_LABELS = labelsOf(SYSTEMS);

export const PHASES: Options<NonNullable<DraftBody['electionPhase']>> = [
  { value: 'pre_election', label: 'Before the election' },
  { value: 'early_voting', label: 'Early voting' },
  { value: 'election_day', label: 'Election Day' },
  { value: 'canvass_certification', label: 'Canvass or certification' },
];
export const PHASE_LABELS = labelsOf(PHASES);

/** CISA / NCISS vocabularies, in plain words; the hint says what the level means. */
export const FUNCTIONAL: Options<NonNullable<DraftBody['functionalImpact']>> = [
  { value: 'no_impact', label: 'No effect on our work', hint: 'Everything works as usual.' },
  { value: 'no_impact_to_services', label: 'No effect on services to voters', hint: 'Internal systems only; voters notice nothing.' },
  { value: 'minimal_non_critical', label: 'Small effect on non-critical systems', hint: 'We can work around it.' },
  { value: 'minimal_critical', label: 'Small effect on critical systems', hint: 'Slower or degraded, still working.' },
  { value: 'significant_non_critical', label: 'Large effect on non-critical systems', hint: 'Some work has stopped.' },
  { value: 'denial_non_critical', label: 'Non-critical systems are down', hint: 'They cannot be used at all.' },
  { value: 'significant_critical', label: 'Large effect on critical systems', hint: 'Serving voters or counting is impaired.' },
  { value: 'denial_critical', label: 'Critical systems are down', hint: 'Voters or counting cannot be served.' },
];
export const INFORMATION: Options<NonNullable<DraftBody['informationImpact']>> = [
  { value: 'no_impact', label: 'No information affected' },
  { value: 'suspected_not_identified', label: 'Suspected, not confirmed', hint: 'Something may have been seen or taken; we do not know yet.' },
  { value: 'privacy_breach', label: 'Personal information exposed', hint: 'Voter or staff personal data.' },
  { value: 'proprietary_breach', label: 'Internal information exposed', hint: 'Non-public office or vendor information.' },
  { value: 'destruction_non_critical', label: 'Non-critical information changed or deleted' },
  { value: 'critical_systems_breach', label: 'Critical system information exposed', hint: 'Configurations, network details, ballot definitions.' },
  { value: 'core_credential_compromise', label: 'Administrator passwords or keys compromised' },
  { value: 'destruction_critical', label: 'Critical information changed or deleted', hint: 'Voter rolls, results, ballot definitions.' },
];
export const RECOVERY: Options<NonNullable<DraftBody['recoverability']>> = [
  { value: 'regular', label: 'We can recover with our own staff, as usual' },
  { value: 'supplemented', label: 'We need extra help, but know how to recover' },
  { value: 'extended', label: 'We need outside help and more time' },
  { value: 'not_recoverable', label: 'It cannot be recovered' },
];
export const VECTORS: Options<NonNullable<DraftBody['attackVector']>> = [
  { value: 'unknown', label: 'Not known yet' },
  { value: 'email_phishing', label: 'Email or phishing' },
  { value: 'web', label: 'A website or web application' },
  { value: 'impersonation_spoofing', label: 'Impersonation or spoofing' },
  { value: 'attrition', label: 'Flooding or password guessing (brute force)' },
  { value: 'removable_media', label: 'USB stick or other removable media' },
  { value: 'improper_usage', label: 'Misuse by an authorised person' },
  { value: 'loss_theft_equipment', label: 'Lost or stolen equipment' },
  { value: 'physical', label: 'Physical access' },
  { value: 'other', label: 'Something else' },
];
export const ACTIVITY: Options<NonNullable<DraftBody['observedActivity']>> = [
  { value: 'none', label: 'Nothing seen yet' },
  { value: 'prepare', label: 'Preparation (scanning, probing)' },
  { value: 'engage', label: 'Attempted (phishing sent, login attempts)' },
  { value: 'presence', label: 'Inside our systems' },
  { value: 'effect', label: 'Causing damage or disruption' },
];
export const FUNCTIONAL_LABELS = labelsOf(FUNCTIONAL);
export const INFORMATION_LABELS = labelsOf(INFORMATION);
export const RECOVERY_LABELS = labelsOf(RECOVERY);
export const VECTOR_LABELS = labelsOf(VECTORS);
export const ACTIVITY_LABELS = labelsOf(ACTIVITY);

export const STATUS_LABELS: Record<Status, string> = {
  draft: 'Draft',
  new: 'New',
  triaged: 'Triaged',
  in_progress: 'In progress',
  contained: 'Contained',
  resolved: 'Resolved',
  closed: 'Closed',
};
/** The button that moves an incident to a status (the verb, not the state). */
export const STATUS_ACTIONS: Record<Status, string> = {
  draft: 'Back to draft',
  new: 'Mark new',
  triaged: 'Mark triaged',
  in_progress: 'Start work',
  contained: 'Mark contained',
  resolved: 'Mark resolved',
  closed: 'Close the incident',
};
export const STATUS_OPTIONS = (Object.keys(STATUS_LABELS) as Status[]).filter((s) => s !== 'draft').map((s) => ({ value: s, label: STATUS_LABELS[s] }));

export const PRIORITIES: Options<Priority> = [
  { value: 'emergency', label: 'Emergency', hint: 'Imminent threat to the election or public safety. First response in 15 minutes.' },
  { value: 'severe', label: 'Severe', hint: 'Likely significant effect on election operations. First response in 1 hour.' },
  { value: 'high', label: 'High', hint: 'Likely noticeable effect on election operations. First response in 2 hours.' },
  { value: 'medium', label: 'Medium', hint: 'May affect election operations. First response in 8 hours.' },
  { value: 'low', label: 'Low', hint: 'Unlikely to affect election operations. First response in 24 hours.' },
  { value: 'baseline', label: 'Baseline', hint: 'Informational; no effect expected. First response in 3 days.' },
];
export const PRIORITY_LABELS = labelsOf(PRIORITIES);

export const ESCALATION_FIELDS: Options<EscalationField> = [
  { value: 'incidentType', label: 'Kind of incident' },
  { value: 'electionSystems', label: 'Election systems' },
  { value: 'electionPhase', label: 'Election phase' },
  { value: 'functionalImpact', label: 'Effect on operations' },
  { value: 'informationImpact', label: 'Effect on information' },
  { value: 'recoverability', label: 'Recovery' },
  { value: 'attackVector', label: 'How it started' },
  { value: 'observedActivity', label: 'What was seen' },
  { value: 'detectedAt', label: 'When detected' },
  { value: 'priority', label: 'Priority' },
  { value: 'status', label: 'Status' },
  { value: 'jurisdictionFips', label: 'State' },
];

/** US states and territories by FIPS code (the state filter and the jurisdiction column). */
export const STATES: Record<string, string> = {
  '01': 'Alabama', '02': 'Alaska', '04': 'Arizona', '05': 'Arkansas', '06': 'California', '08': 'Colorado', '09': 'Connecticut', '10': 'Delaware',
  '11': 'District of Columbia', '12': 'Florida', '13': 'Georgia', '15': 'Hawaii', '16': 'Idaho', '17': 'Illinois', '18': 'Indiana', '19': 'Iowa',
  '20': 'Kansas', '21': 'Kentucky', '22': 'Louisiana', '23': 'Maine', '24': 'Maryland', '25': 'Massachusetts', '26': 'Michigan', '27': 'Minnesota',
  '28': 'Mississippi', '29': 'Missouri', '30': 'Montana', '31': 'Nebraska', '32': 'Nevada', '33': 'New Hampshire', '34': 'New Jersey', '35': 'New Mexico',
  '36': 'New York', '37': 'North Carolina', '38': 'North Dakota', '39': 'Ohio', '40': 'Oklahoma', '41': 'Oregon', '42': 'Pennsylvania', '44': 'Rhode Island',
  '45': 'South Carolina', '46': 'South Dakota', '47': 'Tennessee', '48': 'Texas', '49': 'Utah', '50': 'Vermont', '51': 'Virginia', '53': 'Washington',
  '54': 'West Virginia', '55': 'Wisconsin', '56': 'Wyoming', '60': 'American Samoa', '66': 'Guam', '69': 'Northern Mariana Islands', '72': 'Puerto Rico', '78': 'U.S. Virgin Islands',
};
export const STATE_OPTIONS = Object.entries(STATES)
  .map(([value, label]) => ({ value, label }))
  .sort((a, b) => a.label.localeCompare(b.label));
export const stateName = (fips: string | null | undefined) => (fips ? (STATES[fips.slice(0, 2)] ?? fips) : '—');

/** TLP levels a report may carry. RED reaches only named people, so no responder would see the report. */
export const REPORT_TLPS: Tlp[] = ['AMBER+STRICT', 'AMBER', 'GREEN', 'CLEAR'];
export const REPORT_TLP_MEANING: Record<Tlp, string> = {
  'AMBER+STRICT': 'Only your office and the organisations chosen below. Recommended.',
  AMBER: 'Also people in the recipients’ own offices who need to know (their counties, for a state).',
  GREEN: 'Also the communities your office belongs to; not for public channels.',
  CLEAR: 'Anyone, including the public. Use only for what is already public.',
  RED: 'Only named people. Not used for reports: no responder would see it.',
};

/** The attachment limit the server enforces (25 MiB). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
export const fmtBytes = (n: number) => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${+(n / 1024).toFixed(1)} KB` : `${+(n / 1024 / 1024).toFixed(1)} MB`);

/** Minutes as "45 min", "3 h 5 min", "2 days". */
/** `2024-10-20T14:05` (the browser's local time, as a datetime-local input holds it) ↔ ISO. */
export const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
export function toLocal(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fmtMinutes(m: number): string {
  const a = Math.abs(Math.round(m));
  if (a < 60) return `${a} min`;
  if (a < 48 * 60) return `${Math.floor(a / 60)} h${a % 60 ? ` ${a % 60} min` : ''}`;
  return `${Math.round(a / 1440)} days`;
}

/** What the signed-in person may do, as the server decides it (the server still checks). */
export function roleOf(me: Me) {
  const m = me.memberships.find((x) => x.orgId === me.currentOrgId);
  const analyst = m?.role === 'analyst' || m?.role === 'org_admin';
  const hub = m?.orgKind === 'national_hub';
  return { orgId: me.currentOrgId, hub, hubAnalyst: hub && analyst, analyst };
}

/** Uploads one attachment with XMLHttpRequest (which reports upload progress; fetch does not). */
export function uploadAttachment(incidentId: string, file: File, onProgress: (fraction: number) => void): Promise<Attachment> {
  const url = `/api/incidents/${encodeURIComponent(incidentId)}/attachments?filename=${encodeURIComponent(file.name)}`;
  return uploadWithProgress<Attachment>(url, file, file.type || 'application/octet-stream', onProgress);
}

/** The refusal of an attachment in words an official understands. */
export function attachmentRefusal(file: { name: string }, err: unknown): string {
  const e = err as { status?: number; message?: string };
  if (e.status === 415) return `“${file.name}” was refused: it is a program (an executable), whatever its name says. Programs cannot be attached. If it matters to the investigation, describe it in the report or add its SHA-256 hash.`;
  if (e.status === 413) return `“${file.name}” is too large: attachments are limited to ${fmtBytes(MAX_ATTACHMENT_BYTES)}. Attach a smaller file, a screenshot, or an excerpt of the log.`;
  return `“${file.name}” was not attached: ${e.message ?? 'the upload failed'}.`;
}
