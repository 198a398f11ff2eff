/**
 * Playbooks per incident type, as data. Applying one to an incident creates its steps as tasks
 * (due `dueHours` after the playbook is applied). Steps follow the phases of NIST SP 800-61 and draw
 * on public guidance: CISA #StopRansomware Guide, CISA/EI-ISAC election infrastructure guidance
 * (DDoS guidance for election officials, "Mitigating attacks on houses of worship/election offices",
 * physical security of voting locations), CISA phishing guidance and the EI-ISAC incident checklist.
 */
export const INCIDENT_TYPES = [
  'ransomware',
  'phishing_account_compromise',
  'ddos_results_site',
  'website_defacement',
  'voter_registration_intrusion',
  'insider',
  'influence_operation',
  'physical_threat',
  'other',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export type PlaybookPhase = 'identify' | 'contain' | 'eradicate' | 'recover' | 'communicate' | 'lessons';

export interface PlaybookStep {
  phase: PlaybookPhase;
  title: string;
  detail: string;
  /** Due this many hours after the playbook is applied. */
  dueHours: number;
}

export interface Playbook {
  type: Exclude<IncidentType, 'other'>;
  name: string;
  summary: string;
  steps: PlaybookStep[];
}

export const PLAYBOOKS: Playbook[] = [
  {
    type: 'ransomware',
    name: 'Ransomware',
    summary: 'Encrypting malware on election office systems (CISA #StopRansomware Guide).',
    steps: [
      { phase: 'identify', title: 'Identify affected systems', detail: 'List every host showing encryption, ransom notes or unusual file renames; note which election functions depend on them (VR, pollbooks, ENR).', dueHours: 1 },
      { phase: 'contain', title: 'Isolate affected hosts from the network', detail: 'Unplug network cables or disable Wi‑Fi; if isolation is impossible, power off only the affected devices. Do not wipe — preserve evidence.', dueHours: 1 },
      { phase: 'contain', title: 'Protect backups', detail: 'Take backups offline, verify they are not encrypted, and check the last known-good date for the voter registration database and election management system.', dueHours: 2 },
      { phase: 'communicate', title: 'Notify EI-ISAC, CISA and the FBI field office', detail: 'Report via CISA (report@cisa.gov / 888-282-0870) and the local FBI field office; share ransom note text and indicators with the hub.', dueHours: 4 },
      { phase: 'identify', title: 'Capture evidence and indicators', detail: 'Collect a memory image and disk image of a sample host, ransom note, file hashes, and logs of remote access (RDP, VPN) for the preceding 30 days.', dueHours: 8 },
      { phase: 'eradicate', title: 'Reset credentials', detail: 'Reset passwords for all domain and service accounts, prioritising administrators; revoke VPN and remote-access sessions; enforce MFA.', dueHours: 12 },
      { phase: 'recover', title: 'Activate continuity plans', detail: 'Switch to paper pollbooks / provisional procedures where needed; confirm the public-facing results and polling-place lookup still work.', dueHours: 12 },
      { phase: 'recover', title: 'Restore from clean backups', detail: 'Rebuild from known-good images, restore data, and verify integrity (e.g. voter record counts against the last certified snapshot) before reconnecting.', dueHours: 48 },
      { phase: 'lessons', title: 'After-action review', detail: 'Document root cause, timeline and the controls to add (offline backups, segmentation, MFA on remote access).', dueHours: 336 },
    ],
  },
  {
    type: 'phishing_account_compromise',
    name: 'Phishing / account compromise',
    summary: 'Credential phishing or a compromised mailbox, SSO or social media account.',
    steps: [
      { phase: 'identify', title: 'Collect the phishing message with full headers', detail: 'Save the original as .eml and attach it; record sender, reply-to, links and attachments.', dueHours: 1 },
      { phase: 'contain', title: 'Reset the password and revoke sessions', detail: 'Reset the account password, sign out all sessions and revoke app passwords and OAuth grants.', dueHours: 1 },
      { phase: 'contain', title: 'Check and enforce MFA', detail: 'Confirm phishing-resistant MFA is enrolled; remove any MFA device the user did not register.', dueHours: 2 },
      { phase: 'identify', title: 'Review mailbox rules and sent items', detail: 'Look for forwarding rules, deleted-item rules and messages sent by the attacker (internal phishing, invoice fraud).', dueHours: 4 },
      { phase: 'contain', title: 'Block sender domains and URLs', detail: 'Block the sender, domains and URLs at the mail gateway and web proxy; purge copies of the message from other mailboxes.', dueHours: 4 },
      { phase: 'identify', title: 'Find other recipients', detail: 'Search mail logs for the same sender, subject or URLs and contact anyone who clicked.', dueHours: 8 },
      { phase: 'communicate', title: 'Share indicators with the hub', detail: 'Share sender addresses, domains and URLs as indicators so other jurisdictions can block them.', dueHours: 8 },
      { phase: 'communicate', title: 'For a social media account: contact the platform', detail: 'Use the platform’s election-official escalation channel to recover the account and remove posts made by the attacker.', dueHours: 8 },
      { phase: 'lessons', title: 'Awareness follow-up', detail: 'Brief staff on the lure used; add the example to phishing training.', dueHours: 168 },
    ],
  },
  {
    type: 'ddos_results_site',
    name: 'DDoS on the election-night results site',
    summary: 'Denial of service against public results or voter information sites (CISA/FBI DDoS guidance for election officials).',
    steps: [
      { phase: 'identify', title: 'Confirm it is an attack, not organic load', detail: 'Compare traffic to expected election-night peaks; look at source diversity, request patterns and error rates.', dueHours: 1 },
      { phase: 'contain', title: 'Engage the hosting or DDoS protection provider', detail: 'Call the provider’s emergency line; enable rate limiting, geo or bot filtering and "under attack" modes.', dueHours: 1 },
      { phase: 'recover', title: 'Serve results from a static mirror', detail: 'Publish results as static files through a CDN or the state’s mirror; post the alternate URL on official channels.', dueHours: 2 },
      { phase: 'communicate', title: 'Tell the public that results are safe', detail: 'Explain that a website outage does not affect vote counting or tabulation; give the official alternate source.', dueHours: 2 },
      { phase: 'communicate', title: 'Notify the hub, EI-ISAC and the state', detail: 'Share source IP ranges and attack characteristics so other jurisdictions can prepare.', dueHours: 4 },
      { phase: 'identify', title: 'Preserve logs', detail: 'Keep web server, CDN and firewall logs for the attack window.', dueHours: 8 },
      { phase: 'lessons', title: 'Capacity and failover review', detail: 'Load-test before the next election; pre-arrange CDN and provider escalation contacts.', dueHours: 336 },
    ],
  },
  {
    type: 'website_defacement',
    name: 'Website defacement',
    summary: 'Unauthorised changes to an official election website.',
    steps: [
      { phase: 'identify', title: 'Capture the defaced pages', detail: 'Take screenshots and save the HTML of every changed page before anything is altered.', dueHours: 1 },
      { phase: 'contain', title: 'Take the site offline or show a maintenance page', detail: 'Replace the site with a static maintenance page pointing to official contact details.', dueHours: 1 },
      { phase: 'contain', title: 'Rotate CMS and hosting credentials', detail: 'Reset CMS admin, FTP/SFTP, hosting panel and DNS registrar passwords; enable MFA.', dueHours: 2 },
      { phase: 'identify', title: 'Find the entry point', detail: 'Review CMS plugins and versions, web server access logs and file modification times.', dueHours: 8 },
      { phase: 'eradicate', title: 'Patch and remove backdoors', detail: 'Update the CMS and plugins; search for web shells and unknown admin accounts.', dueHours: 24 },
      { phase: 'recover', title: 'Restore verified content', detail: 'Restore from a known-good backup and verify polling places, dates and results content against source records.', dueHours: 24 },
      { phase: 'communicate', title: 'Public statement and hub notification', detail: 'Correct any false information that was posted; share indicators with the hub.', dueHours: 24 },
    ],
  },
  {
    type: 'voter_registration_intrusion',
    name: 'Voter-registration system intrusion',
    summary: 'Unauthorised access to, or changes in, the voter registration database.',
    steps: [
      { phase: 'identify', title: 'Scope the access', detail: 'Determine which accounts, records and time window are involved; pull audit logs of record views, changes and exports.', dueHours: 2 },
      { phase: 'contain', title: 'Disable suspect accounts and sessions', detail: 'Disable the accounts used, revoke sessions and API keys, and restrict admin access to known workstations.', dueHours: 2 },
      { phase: 'communicate', title: 'Notify the state election office, EI-ISAC, CISA and the FBI', detail: 'Voter registration intrusions are reportable; coordinate before any public statement.', dueHours: 4 },
      { phase: 'identify', title: 'Check record integrity', detail: 'Compare records against the last trusted snapshot: status changes, address changes, new and cancelled registrations.', dueHours: 12 },
      { phase: 'recover', title: 'Correct altered records and prepare provisional ballots', detail: 'Restore altered records with a documented process; brief poll workers on provisional ballot procedures for affected voters.', dueHours: 24 },
      { phase: 'eradicate', title: 'Close the entry point', detail: 'Patch the vulnerability or fix the access control; rotate credentials of all users with access.', dueHours: 48 },
      { phase: 'communicate', title: 'Voter notification if required', detail: 'Follow state breach-notification law for exposed personal data.', dueHours: 72 },
      { phase: 'lessons', title: 'After-action review', detail: 'Review monitoring of bulk exports and off-hours changes.', dueHours: 336 },
    ],
  },
  {
    type: 'insider',
    name: 'Insider threat',
    summary: 'Misuse of authorised access by staff, contractors or poll workers.',
    steps: [
      { phase: 'identify', title: 'Restrict knowledge of the investigation', detail: 'Limit the case to named responders (use TLP:RED or AMBER+STRICT); involve HR and legal counsel.', dueHours: 1 },
      { phase: 'contain', title: 'Suspend access', detail: 'Suspend logical and physical access (accounts, badges, keys to ballot storage) under HR procedure.', dueHours: 4 },
      { phase: 'identify', title: 'Preserve chain of custody', detail: 'Secure affected equipment, seals, logs and access records with documented chain of custody.', dueHours: 4 },
      { phase: 'identify', title: 'Review actions taken', detail: 'Audit the person’s system activity, access to equipment and seal logs in the relevant period.', dueHours: 24 },
      { phase: 'communicate', title: 'Refer to law enforcement if criminal', detail: 'Coordinate with the state and the prosecutor before referral.', dueHours: 48 },
      { phase: 'recover', title: 'Verify integrity of affected equipment', detail: 'Re-certify or replace voting equipment the person had access to; perform logic and accuracy testing.', dueHours: 72 },
      { phase: 'lessons', title: 'Strengthen two-person controls', detail: 'Review two-person rules, least privilege and access logging.', dueHours: 336 },
    ],
  },
  {
    type: 'influence_operation',
    name: 'Influence operation linked to an incident',
    summary: 'False or misleading claims that exploit or accompany an incident (CISA MDM guidance).',
    steps: [
      { phase: 'identify', title: 'Document the content', detail: 'Capture screenshots, URLs, account handles and timestamps of the posts; note reach.', dueHours: 1 },
      { phase: 'identify', title: 'Establish the facts', detail: 'Check the claims against the technical incident and official records.', dueHours: 2 },
      { phase: 'communicate', title: 'Report to the platforms', detail: 'Use the platforms’ election-official reporting channels for impersonation and false procedural information (dates, places, methods of voting).', dueHours: 4 },
      { phase: 'communicate', title: 'Publish an official correction', detail: 'Post accurate information on official channels; avoid repeating the false claim in headlines.', dueHours: 4 },
      { phase: 'communicate', title: 'Share with the hub and neighbouring jurisdictions', detail: 'Others may see the same narrative; share accounts and domains as indicators.', dueHours: 8 },
      { phase: 'lessons', title: 'Pre-bunking review', detail: 'Add the narrative to pre-bunking material for the next election.', dueHours: 336 },
    ],
  },
  {
    type: 'physical_threat',
    name: 'Physical threat',
    summary: 'Threats to election officials, workers, offices or polling places.',
    steps: [
      { phase: 'contain', title: 'Call 911 if there is imminent danger', detail: 'Evacuate or shelter in place according to the site plan.', dueHours: 0 },
      { phase: 'communicate', title: 'Report to local law enforcement and the FBI', detail: 'Report threats to the FBI (1-800-CALL-FBI, tips.fbi.gov) and local police; give the message, sender and any identifying details.', dueHours: 2 },
      { phase: 'identify', title: 'Preserve the threat', detail: 'Keep the original message, voicemail or letter; screenshot posts with URLs and timestamps.', dueHours: 2 },
      { phase: 'contain', title: 'Protect the people and site', detail: 'Brief staff, review access control, request patrols, and use CISA’s physical security assessment.', dueHours: 8 },
      { phase: 'recover', title: 'Continuity of operations', detail: 'Arrange alternate locations or staff if a polling place or office cannot operate; publish changes.', dueHours: 24 },
      { phase: 'communicate', title: 'Support affected staff', detail: 'Offer employee assistance and remove personal information from public sites where possible.', dueHours: 48 },
    ],
  },
];

export function playbookOf(type: string): Playbook | undefined {
  return PLAYBOOKS.find((p) => p.type === type);
}
