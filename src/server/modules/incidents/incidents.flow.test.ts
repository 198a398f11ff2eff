import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { validateBundle } from '../../../lib/stix/index.ts';
import type { SystemClock } from '../../core/clock.ts';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';

/**
 * The whole case, through the API: a county official reports an incident with a log attachment, the
 * hub triages it, works it through a playbook to closure, shares observables as indicators, and the
 * outputs (STIX, PDF, metrics) reflect it.
 */
let r: TestRampart;
let w: World;

export const REPORT = {
  title: 'Phishing wave against county election staff',
  incidentType: 'phishing_account_compromise',
  whatHappened: 'Staff received mail from payroll@evil-elections.example linking to http://login.evil-elections.example/reset; one mailbox was accessed from 203.0.113.77.',
  detectedAt: '2024-10-20T14:05:00Z',
  occurredAt: '2024-10-20T13:30:00Z',
  functionalImpact: 'minimal_non_critical',
  informationImpact: 'suspected_not_identified',
  recoverability: 'regular',
  attackVector: 'email_phishing',
  observedActivity: 'engage',
  affectedSystems: 'Office 365 mailboxes of two staff',
  electionSystems: ['email'],
  electionPhase: 'early_voting',
} as const;

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
}, 120_000);
afterAll(async () => r?.close());

const clock = () => r.core.clock as SystemClock;

describe('report → triage → playbook → closure', () => {
  let id = '';

  test('a county official drafts, autosaves and submits a report', async () => {
    const official = w.as('MARICOPA_MEMBER');
    const created = await official.post('/api/incidents', { title: 'Phishing' });
    expect(created.statusCode, created.body).toBe(201);
    id = created.json().id;
    expect(created.json().status).toBe('draft');
    expect(created.json().jurisdictionFips).toBe('04013');
    // Hub-only by default: the hub organisation is the recipient, AMBER+STRICT.
    expect(created.json().sharing.tlp).toBe('AMBER+STRICT');
    expect(created.json().sharing.recipientOrgIds).toContain(w.org.HUB);

    // A draft is its author's alone.
    expect((await w.as('HUB_ANALYST').get(`/api/incidents/${id}`)).statusCode).toBe(404);
    // Submitting an incomplete draft names every missing field.
    const incomplete = await official.post(`/api/incidents/${id}/submit`);
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().error.details.path).toBe('body.whatHappened');

    const saved = await official.patch(`/api/incidents/${id}`, { ...REPORT, sharing: { tlp: 'AMBER+STRICT', hub: true, state: true } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().sharing.recipientOrgIds).toEqual(expect.arrayContaining([w.org.HUB, w.org.STATE_AZ]));

    const drafts = await official.get('/api/incidents?drafts=true');
    expect(drafts.json().items.map((i: { id: string }) => i.id)).toContain(id);

    const submitted = await official.post(`/api/incidents/${id}/submit`);
    expect(submitted.statusCode, submitted.body).toBe(200);
    expect(submitted.json().status).toBe('new');
    expect(submitted.json().sla.triage.state).toBe('running');
    // Submitted reports are no longer edited.
    expect((await official.patch(`/api/incidents/${id}`, { title: 'x' })).statusCode).toBe(409);
  });

  test('the official attaches a log; observables come from the report and the log', async () => {
    const log = '2024-10-20T13:31:02Z login ok user=jdoe src=203.0.113.77\n2024-10-20T13:32:10Z GET https://cdn.bad-actor.example.com/kit.js sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n';
    const up = await w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/attachments?filename=signin.log`, log, { 'content-type': 'text/plain' });
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json()).toMatchObject({ filename: 'signin.log', size: Buffer.byteLength(log), flagged: false, servedType: 'text/plain; charset=utf-8' });
    const sha = up.json().sha256 as string;
    expect(existsSync(path.join(r.core.config.dataDir, 'files', sha.slice(0, 2), sha))).toBe(true);

    const dl = await w.as('HUB_ANALYST').get(`/api/incidents/${id}/attachments/${up.json().id}/content`);
    expect(dl.statusCode).toBe(200);
    expect(dl.body).toBe(log);
    expect(dl.headers['content-disposition']).toMatch(/^attachment; filename="signin.log"/);
    expect(dl.headers['x-content-type-options']).toBe('nosniff');

    const obs = (await w.as('HUB_ANALYST').get(`/api/incidents/${id}/observables`)).json().items as { kind: string; value: string; source: string }[];
    const values = obs.map((o) => `${o.kind}:${o.value}`);
    expect(values).toEqual(expect.arrayContaining([
      'ipv4:203.0.113.77', 'email:payroll@evil-elections.example', 'domain:cdn.bad-actor.example.com',
      'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ]));
    expect(obs.some((o) => o.kind === 'url' && o.value.includes('login.evil-elections.example'))).toBe(true);
  });

  test('the hub triages, assigns, applies the playbook and works the tasks to closure', async () => {
    const hub = w.as('HUB_ANALYST');
    expect((await hub.get(`/api/incidents/${id}`)).statusCode).toBe(200);
    clock().advance(20 * 60_000);
    // Skipping ahead is refused.
    const skip = await hub.post(`/api/incidents/${id}/status`, { status: 'resolved' });
    expect(skip.statusCode).toBe(409);
    expect(skip.json().error.code).toBe('INCIDENT_INVALID_TRANSITION');
    // Triage needs a priority first.
    expect((await hub.post(`/api/incidents/${id}/status`, { status: 'triaged' })).json().error.code).toBe('INCIDENT_PRIORITY_REQUIRED');
    // A county member cannot set the priority.
    expect((await w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/triage`, { priority: 'low', rationale: 'x' })).statusCode).toBe(403);

    const triaged = await hub.post(`/api/incidents/${id}/triage`, { priority: 'medium', rationale: 'One mailbox accessed; no election system affected.' });
    expect(triaged.statusCode, triaged.body).toBe(200);
    expect(triaged.json()).toMatchObject({ status: 'triaged', priority: 'medium' });
    expect(triaged.json().sla.triage).toMatchObject({ state: 'met', elapsedMinutes: 20 });
    expect(triaged.json().sla.firstResponse).toMatchObject({ state: 'met', elapsedMinutes: 20, targetMinutes: 480 });

    // Assignment: a person of the hub or the reporting organisation only.
    expect((await hub.post(`/api/incidents/${id}/assign`, { userId: w.user.GA_ANALYST })).json().error.details.path).toBe('body.userId');
    const assigned = await hub.post(`/api/incidents/${id}/assign`, { userId: w.user.HUB_ANALYST });
    expect(assigned.json().assigneeUserId).toBe(w.user.HUB_ANALYST);

    const pb = await hub.post(`/api/incidents/${id}/playbooks`, { type: 'phishing_account_compromise' });
    expect(pb.statusCode, pb.body).toBe(200);
    const tasks = pb.json().items as { id: string; title: string; ownerUserId: string; dueAt: string }[];
    expect(tasks.length).toBeGreaterThanOrEqual(6);
    expect(tasks[0]!.ownerUserId).toBe(w.user.HUB_ANALYST);
    expect(tasks.every((t) => t.dueAt)).toBe(true);
    expect((await hub.post(`/api/incidents/${id}/playbooks`, { type: 'phishing_account_compromise' })).statusCode).toBe(409);

    const extra = await hub.post(`/api/incidents/${id}/tasks`, { title: 'Call the county IT lead', ownerUserId: w.user.MARICOPA_ADMIN, dueAt: '2024-10-21T12:00:00Z' });
    expect(extra.statusCode, extra.body).toBe(201);

    expect((await hub.post(`/api/incidents/${id}/status`, { status: 'in_progress' })).json().status).toBe('in_progress');
    for (const t of [...tasks, extra.json()]) {
      const done = await hub.patch(`/api/incidents/${id}/tasks/${t.id}`, { done: true });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json().doneBy).toBe(w.user.HUB_ANALYST);
    }
    expect((await w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/notes`, { body: 'Staff re-trained.' })).statusCode).toBe(201);
    expect((await hub.post(`/api/incidents/${id}/status`, { status: 'contained' })).statusCode).toBe(200);
    clock().advance(3 * 3600_000);
    expect((await hub.post(`/api/incidents/${id}/status`, { status: 'resolved' })).statusCode).toBe(200);
    const closed = await hub.post(`/api/incidents/${id}/status`, { status: 'closed', note: 'Closed after review.' });
    expect(closed.json()).toMatchObject({ status: 'closed', allowedTransitions: [] });
    expect((await hub.post(`/api/incidents/${id}/status`, { status: 'in_progress' })).statusCode).toBe(409);

    const tl = (await hub.get(`/api/incidents/${id}/timeline`)).json().items as { kind: string }[];
    const kinds = tl.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['create', 'submit', 'attachment', 'triage', 'assign', 'playbook', 'task.add', 'task.done', 'note', 'status']));
    expect(kinds.filter((k) => k === 'status')).toHaveLength(4);
  });

  test('observables are shared as STIX indicators at a chosen TLP; the STIX export carries them', async () => {
    const hub = w.as('HUB_ANALYST');
    const obs = (await hub.get(`/api/incidents/${id}/observables`)).json().items as { id: string; kind: string; value: string }[];
    const chosen = obs.filter((o) => o.kind === 'ipv4' || o.kind === 'domain' || o.kind === 'sha256');
    const shared = await hub.post(`/api/incidents/${id}/observables/share`, { observableIds: chosen.map((o) => o.id), tlp: 'GREEN' });
    expect(shared.statusCode, shared.body).toBe(200);
    expect(shared.json().rejected).toEqual([]);
    expect(shared.json().shared).toHaveLength(chosen.length);
    const indicatorId = shared.json().shared[0].indicatorId as string;
    // A GREEN indicator reaches the community (Fulton is in OFFICIALS) even though the incident does not.
    expect((await w.as('FULTON_MEMBER').get(`/api/intel/objects/${indicatorId}`)).statusCode).toBe(200);
    expect((await w.as('FULTON_MEMBER').get(`/api/incidents/${id}`)).statusCode).toBe(404);

    const stix = await hub.get(`/api/incidents/${id}/stix`);
    expect(stix.statusCode).toBe(200);
    const bundle = stix.json();
    const v = validateBundle(bundle);
    expect(v.errors, JSON.stringify(v.errors)).toEqual([]);
    for (const o of v.objects) expect(o.result.ok, `${o.type} ${JSON.stringify(o.result)}`).toBe(true);
    expect(v.ok).toBe(true);
    const types = bundle.objects.map((o: { type: string }) => o.type);
    expect(types[0]).toBe('incident');
    expect(types).toEqual(expect.arrayContaining(['ipv4-addr', 'domain-name', 'file', 'url', 'email-addr', 'indicator', 'sighting', 'relationship']));
    expect(bundle.objects[0]).toMatchObject({ id: `incident--${id}`, x_rampart_priority: 'medium', x_rampart_election_phase: 'early_voting' });
  });

  test('related incidents are found through shared observables', async () => {
    const other = await w.as('AZ_ANALYST').post('/api/incidents', { ...REPORT, title: 'Same phishing sender seen at the state', whatHappened: 'Mail from payroll@evil-elections.example' });
    const oid = other.json().id as string;
    expect((await w.as('AZ_ANALYST').post(`/api/incidents/${oid}/submit`)).statusCode).toBe(200);
    const rel = (await w.as('HUB_ANALYST').get(`/api/incidents/${id}/related`)).json().items as { id: string; shared: { value: string }[] }[];
    expect(rel.map((x) => x.id)).toEqual([oid]);
    expect(rel[0]!.shared.map((s) => s.value)).toContain('payroll@evil-elections.example');
  });

  test('the case report PDF renders, and metrics count the incident', async () => {
    const pdf = await w.as('HUB_ANALYST').get(`/api/incidents/${id}/report.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = mkdtempSync(path.join(tmpdir(), 'incident-pdf-'));
    writeFileSync(path.join(dir, 'r.pdf'), pdf.rawPayload);
    const text = execFileSync('pdftotext', [path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
    expect(text).toContain('Phishing wave against county election staff');
    expect(text).toContain('TLP:AMBER+STRICT');
    if (process.env.INCIDENT_PDF_OUT) writeFileSync(process.env.INCIDENT_PDF_OUT, readFileSync(path.join(dir, 'r.pdf')));

    const m = (await w.as('HUB_ANALYST').get('/api/incidents/metrics')).json();
    expect(m.total).toBe(2);
    expect(m.byType.phishing_account_compromise).toBe(2);
    expect(m.byState['04']).toBe(2);
    expect(m.byPhase.early_voting).toBe(2);
    expect(m.medianMinutesToTriage).toBe(20);
    expect(m.medianMinutesToResolve).toBeGreaterThanOrEqual(200);
  });

  test('views, downloads and exports are in the audit log', async () => {
    const rows = await sql<{ action: string; n: number }>`SELECT action, count(*)::int AS n FROM audit_log WHERE subject_id = ${id} GROUP BY action`.execute(r.core.database.db);
    const actions = new Map(rows.rows.map((x) => [x.action, x.n]));
    for (const a of ['incidents.create', 'incidents.submit', 'incidents.triage', 'incidents.attachment.download', 'incidents.export.stix', 'incidents.export.pdf']) expect(actions.has(a), a).toBe(true);
    expect(actions.get('incidents.view')).toBeGreaterThanOrEqual(1);
  });
});
