import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { hasRole, hasScope, systemActor, type Actor, type Role } from '../../core/access/actor.ts';
import type { Tlp } from '../../core/access/tlp.ts';
import type { Sharing } from '../../core/access/visibility.ts';
import { audit } from '../../core/audit/audit.ts';
import type { Clock } from '../../core/clock.ts';
import { withTx, type Db, type Tx } from '../../core/db.ts';
import { publishEvent } from '../../core/events/events.ts';
import { AppError, errors, type FieldProblem } from '../../core/http/errors.ts';
import type { AuthMembers } from '../auth/index.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IntelPublic } from '../intel/index.ts';
import { FileTooLargeError, type FileStore } from './files.ts';
import { extractObservables } from './observables.ts';
import {
  FIRST_RESPONSE_TARGET_MINUTES,
  TRIAGE_TARGET_MINUTES,
  type AttachmentRow,
  type EscalationRow,
  type IncidentPatch,
  type IncidentRow,
  type IncidentsRepo,
  type TaskRow,
} from './incidents.repo.ts';
import {
  REQUIRED_ON_SUBMIT,
  SharingInput,
  type DraftBody,
  type ESCALATION_FIELDS,
  type ListQuery,
  type Priority,
  type Status,
} from './incidents.schemas.ts';
import { playbookOf, type IncidentType } from './playbooks.ts';
import { classify, cleanFilename } from './sniff.ts';

export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
/** Text attachments are scanned for observables up to this many bytes. */
const MAX_SCAN_BYTES = 5 * 1024 * 1024;
const MAX_OBSERVABLES_PER_SOURCE = 5000;

/** The status workflow; anything else answers 409. */
export const TRANSITIONS: Record<Status, Status[]> = {
  draft: ['new'],
  new: ['triaged'],
  triaged: ['in_progress'],
  in_progress: ['contained', 'resolved'],
  contained: ['resolved', 'in_progress'],
  resolved: ['closed', 'in_progress'],
  closed: [],
};

export interface IncidentsDeps {
  db: Db;
  repo: IncidentsRepo;
  files: FileStore;
  clock: Clock;
  intel: IntelPublic;
  directory: DirectoryService;
  /** Who belongs to which organisation (auth's public query). */
  members: AuthMembers;
}

function requireReader(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'read')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the read scope');
}
function requireWriter(actor: Actor): asserts actor is Actor & { orgId: string } {
  requireReader(actor);
  if (!hasScope(actor, 'write')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the write scope');
  if (actor.kind !== 'system' && (!actor.orgId || !actor.userId)) throw errors.forbidden('INCIDENT_FORBIDDEN', 'Act for an organisation to report or work incidents');
}
const isHub = (actor: Actor) => actor.orgKind === 'national_hub' && hasRole(actor, 'analyst');
/** Responders: analysts of the hub, and analysts of the reporting organisation. */
function isResponder(actor: Actor, inc: IncidentRow): boolean {
  if (actor.kind === 'system') return true;
  return hasScope(actor, 'write') && hasRole(actor, 'analyst') && (actor.orgKind === 'national_hub' || (actor.orgId !== null && actor.orgId === inc.ownerOrgId));
}
function requireResponder(actor: Actor, inc: IncidentRow): void {
  if (!isResponder(actor, inc)) throw errors.forbidden('INCIDENT_FORBIDDEN', 'Only analysts of the hub or of the reporting organisation work this incident');
}
function requireSubmitted(inc: IncidentRow): void {
  if (inc.status === 'draft') throw errors.conflict('INCIDENT_DRAFT', 'Submit the report first', { path: 'status' });
}

export const sharingOf = (i: Sharing): Sharing => ({
  ownerOrgId: i.ownerOrgId, tlp: i.tlp, communityIds: i.communityIds, recipientOrgIds: i.recipientOrgIds, recipientUserIds: i.recipientUserIds, createdBy: i.createdBy,
});
const minutesBetween = (a: Date, b: Date) => Math.floor((b.getTime() - a.getTime()) / 60000);
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function sla(start: Date | null, end: Date | null, target: number, now: Date) {
  if (!start) return null;
  const elapsed = minutesBetween(start, end ?? now);
  return {
    targetMinutes: target,
    elapsedMinutes: elapsed,
    state: end ? (elapsed <= target ? ('met' as const) : ('breached' as const)) : elapsed > target ? ('breached' as const) : ('running' as const),
    dueAt: new Date(start.getTime() + target * 60000).toISOString(),
  };
}

export function createIncidentsService(d: IncidentsDeps) {
  const { db, repo, clock } = d;
  const sys = systemActor('incidents');

  /** Reads an incident for a change inside `tx` (row-locked); 404 when the actor may not see it. */
  async function load(tx: Tx, actor: Actor, id: string): Promise<IncidentRow> {
    const inc = await repo.get(tx, actor, id, true);
    if (!inc) throw errors.notFound('incident');
    return inc;
  }

  async function resolveSharing(actor: Actor & { orgId: string }, s: SharingInput): Promise<Sharing> {
    const recipientOrgIds = new Set(s.recipientOrgIds);
    if (s.hub) for (const h of await hubOrgIds()) recipientOrgIds.add(h);
    if (s.state) for (const o of actor.orgPath.slice(1)) recipientOrgIds.add(o);
    recipientOrgIds.delete(actor.orgId);
    return {
      ownerOrgId: actor.orgId, tlp: s.tlp, communityIds: s.communityIds, recipientOrgIds: [...recipientOrgIds], recipientUserIds: s.recipientUserIds, createdBy: actor.userId,
    };
  }

  /** Timeline entry + audit + live event, in the change's transaction. */
  async function record(tx: Tx, actor: Actor, inc: IncidentRow, kind: string, body: string, details: Record<string, unknown> = {}, sharing: Sharing = sharingOf(inc)) {
    const entry = await repo.addTimeline(tx, inc.id, actor, clock.now(), kind, body, details);
    await audit(tx, actor, { action: `incidents.${kind}`, subjectType: 'incident', subjectId: inc.id, details });
    if (inc.status !== 'draft' || kind === 'submit') {
      await publishEvent(tx, { topic: 'incidents.changed', subjectId: inc.id, sharing, payload: { kind, ref: inc.ref } });
    }
    return entry;
  }

  /** The first action by the hub on a submitted incident starts "first response". */
  async function touchFirstResponse(tx: Tx, actor: Actor, inc: IncidentRow) {
    if (inc.status !== 'draft' && !inc.firstResponseAt && actor.orgKind === 'national_hub') {
      inc.firstResponseAt = clock.now();
      await repo.updateIncident(tx, inc.id, { firstResponseAt: inc.firstResponseAt });
    }
  }

  function view(inc: IncidentRow, actor: Actor) {
    const now = clock.now();
    const target = FIRST_RESPONSE_TARGET_MINUTES[inc.priority ?? 'unset'];
    return {
      ...inc,
      detectedAt: iso(inc.detectedAt), occurredAt: iso(inc.occurredAt), consentAt: iso(inc.consentAt), createdAt: inc.createdAt.toISOString(),
      updatedAt: inc.updatedAt.toISOString(), submittedAt: iso(inc.submittedAt), triagedAt: iso(inc.triagedAt), firstResponseAt: iso(inc.firstResponseAt),
      resolvedAt: iso(inc.resolvedAt), closedAt: iso(inc.closedAt),
      sharing: sharingOf(inc),
      sla: {
        triage: sla(inc.submittedAt, inc.triagedAt, TRIAGE_TARGET_MINUTES, now),
        firstResponse: sla(inc.submittedAt, inc.firstResponseAt, target, now),
      },
      allowedTransitions: inc.status === 'draft' ? [] : isResponder(actor, inc) ? TRANSITIONS[inc.status] : [],
    };
  }

  async function getRow(actor: Actor, id: string): Promise<IncidentRow> {
    requireReader(actor);
    const inc = await repo.get(db, actor, id);
    if (!inc) throw errors.notFound('incident');
    return inc;
  }

  /** Extracts observables from text and stores the new ones (in tx). */
  async function extractInto(tx: Tx, incidentId: string, text: string | Uint8Array, source: string): Promise<number> {
    const found = extractObservables(text).slice(0, MAX_OBSERVABLES_PER_SOURCE);
    if (!found.length) return 0;
    return repo.addObservables(tx, incidentId, found.map((c) => ({ id: randomUUID(), kind: c.kind, value: c.value })), source, clock.now());
  }

  const hubOrgs = async () => (await d.directory.listOrgs(sys, { kind: 'national_hub', sort: 'name', page: 1, pageSize: 200 })).items;
  const hubOrgIds = async (): Promise<string[]> => (await hubOrgs()).map((h) => h.id);

  /** Who may be assigned an incident or own its tasks: analysts and admins of the hub and of the reporting organisation. */
  const ASSIGNABLE_ROLES: Role[] = ['analyst', 'org_admin'];
  const assignableOrgs = (hubs: string[], inc: IncidentRow | null) => [...new Set([...hubs, ...(inc?.ownerOrgId ? [inc.ownerOrgId] : [])])];

  async function checkAssignee(tx: Tx, hubs: string[], inc: IncidentRow, userId: string, path: string): Promise<void> {
    const found = await d.members.list({ orgIds: assignableOrgs(hubs, inc), roles: ASSIGNABLE_ROLES, userId }, tx);
    if (!found.length) throw errors.validation([{ path, message: 'must be an analyst or admin of the hub or of the reporting organisation' }]);
  }

  function draftPatch(body: DraftBody): IncidentPatch {
    const p: IncidentPatch = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === 'sharing' || v === undefined) continue;
      p[k as keyof IncidentPatch] = (k === 'detectedAt' || k === 'occurredAt') && v !== null ? new Date(v as string) : v;
    }
    return p;
  }

  return {
    view,

    async create(actor: Actor, body: DraftBody) {
      requireWriter(actor);
      const sharing = await resolveSharing(actor, body.sharing ?? SharingInput.parse({}));
      const org = await d.directory.getOrg(sys, actor.orgId).catch(() => null);
      const id = randomUUID();
      await withTx(db, async (tx) => {
        const now = clock.now();
        await repo.insertIncident(tx, { id, createdAt: now, jurisdictionFips: org?.jurisdictionFips ?? null, ...sharing });
        await repo.updateIncident(tx, id, draftPatch(body));
        const inc = (await repo.get(tx, sys, id))!;
        await record(tx, actor, inc, 'create', 'Report started', { fields: Object.keys(body) });
      });
      return view(await getRow(actor, id), actor);
    },

    /** Autosave of a draft: only its author, only while a draft. */
    async saveDraft(actor: Actor, id: string, body: DraftBody) {
      requireWriter(actor);
      // Directory reads happen before the transaction (PGlite serialises connections while one is open).
      const sharing = body.sharing ? await resolveSharing(actor, body.sharing) : null;
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        if (inc.createdBy !== actor.userId) throw errors.forbidden('INCIDENT_FORBIDDEN', 'Only the author edits a draft');
        if (inc.status !== 'draft') throw errors.conflict('INCIDENT_NOT_DRAFT', 'Only drafts are edited; add a note instead', { path: 'status' });
        const patch = draftPatch(body);
        if (sharing) Object.assign(patch, sharing);
        delete (patch as Record<string, unknown>).ownerOrgId;
        delete (patch as Record<string, unknown>).createdBy;
        await repo.updateIncident(tx, id, { ...patch, updatedAt: clock.now() });
        await audit(tx, actor, { action: 'incidents.draft.save', subjectType: 'incident', subjectId: id, details: { fields: Object.keys(body) } });
      });
      return view(await getRow(actor, id), actor);
    },

    async submit(actor: Actor, id: string) {
      requireWriter(actor);
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        if (inc.createdBy !== actor.userId) throw errors.forbidden('INCIDENT_FORBIDDEN', 'Only the author submits a report');
        if (inc.status !== 'draft') throw errors.conflict('INCIDENT_INVALID_TRANSITION', `The report is already ${inc.status}`, { path: 'status', from: inc.status, to: 'new' });
        const problems: FieldProblem[] = [];
        for (const f of REQUIRED_ON_SUBMIT) {
          const v = inc[f];
          if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) problems.push({ path: `body.${f}`, message: 'required to submit the report' });
        }
        if (problems.length) throw errors.validation(problems);
        const now = clock.now();
        await repo.updateIncident(tx, id, { status: 'new', submittedAt: now, updatedAt: now });
        inc.status = 'new';
        const text = [inc.title, inc.whatHappened, inc.affectedSystems].join('\n');
        const n = await extractInto(tx, id, text, 'report');
        await record(tx, actor, inc, 'submit', 'Report submitted', { observables: n });
      });
      return view(await getRow(actor, id), actor);
    },

    async get(actor: Actor, id: string) {
      const inc = await getRow(actor, id);
      await withTx(db, (tx) => audit(tx, actor, { action: 'incidents.view', subjectType: 'incident', subjectId: id }));
      return view(inc, actor);
    },
    getRow,

    async list(actor: Actor, q: ListQuery) {
      requireReader(actor);
      if (q.assignee === 'me' && !actor.userId) throw errors.validation([{ path: 'querystring.assignee', message: '“me” needs a person' }]);
      return repo.list(actor, q);
    },

    /** Submitted incidents the reader may see, newest first (keyset paging; the situation room's feed). */
    async recent(actor: Actor, q: { limit: number; before?: { at: Date; id: string } }) {
      requireReader(actor);
      return repo.recentSubmitted(actor, q);
    },
    /** How many submitted incidents the reader may see were submitted since `since` (counted up to `cap`). */
    async countSince(actor: Actor, since: Date, cap: number) {
      requireReader(actor);
      return repo.countSubmittedSince(actor, since, cap);
    },

    async triage(actor: Actor, id: string, body: { priority: Priority; rationale: string; incidentType?: IncidentType }) {
      requireWriter(actor);
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        if (!isHub(actor) && actor.kind !== 'system') throw errors.forbidden('INCIDENT_FORBIDDEN', 'The hub sets the priority');
        if (inc.status === 'closed') throw errors.conflict('INCIDENT_CLOSED', 'The incident is closed', { path: 'status' });
        const now = clock.now();
        const patch: IncidentPatch = { priority: body.priority, priorityRationale: body.rationale, updatedAt: now };
        if (body.incidentType) patch.incidentType = body.incidentType;
        if (inc.status === 'new') Object.assign(patch, { status: 'triaged', triagedAt: now });
        await repo.updateIncident(tx, id, patch);
        await touchFirstResponse(tx, actor, inc);
        await record(tx, actor, inc, 'triage', body.rationale, { from: inc.priority, priority: body.priority, incidentType: body.incidentType ?? inc.incidentType, status: patch.status ?? inc.status });
      });
      return view(await getRow(actor, id), actor);
    },

    async setStatus(actor: Actor, id: string, to: Status, note?: string) {
      requireWriter(actor);
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        requireResponder(actor, inc);
        if (!TRANSITIONS[inc.status].includes(to)) {
          throw errors.conflict('INCIDENT_INVALID_TRANSITION', `An incident ${inc.status} cannot become ${to} (allowed: ${TRANSITIONS[inc.status].join(', ') || 'none'})`, { path: 'body.status', from: inc.status, to });
        }
        if (to === 'triaged' && !inc.priority) throw errors.conflict('INCIDENT_PRIORITY_REQUIRED', 'Set a priority (POST /triage) to triage', { path: 'body.status' });
        const now = clock.now();
        const patch: IncidentPatch = { status: to, updatedAt: now };
        if (to === 'triaged') patch.triagedAt = now;
        if (to === 'resolved') patch.resolvedAt = now;
        if (to === 'closed') patch.closedAt = now;
        if (to === 'in_progress' && (inc.status === 'resolved' || inc.status === 'contained')) Object.assign(patch, { resolvedAt: null });
        await repo.updateIncident(tx, id, patch);
        await touchFirstResponse(tx, actor, inc);
        await record(tx, actor, inc, 'status', note ?? '', { from: inc.status, to });
      });
      return view(await getRow(actor, id), actor);
    },

    async assign(actor: Actor, id: string, userId: string | null) {
      requireWriter(actor);
      const hubs = await hubOrgIds();
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        requireResponder(actor, inc);
        if (userId) await checkAssignee(tx, hubs, inc, userId, 'body.userId');
        await repo.updateIncident(tx, id, { assigneeUserId: userId, updatedAt: clock.now() });
        await touchFirstResponse(tx, actor, inc);
        await record(tx, actor, inc, 'assign', '', { from: inc.assigneeUserId, to: userId });
      });
      return view(await getRow(actor, id), actor);
    },

    /**
     * The people who may be assigned: analysts and admins of the hub — and, for an incident, of its
     * reporting organisation. For hub analysts, or for the incident's responders (404 if hidden).
     */
    async assignees(actor: Actor, incidentId?: string) {
      requireReader(actor);
      const inc = incidentId ? await getRow(actor, incidentId) : null;
      if (inc ? !isResponder(actor, inc) : !isHub(actor) && actor.kind !== 'system') {
        throw errors.forbidden('INCIDENT_FORBIDDEN', 'Only those who work incidents see who may be assigned');
      }
      const hubs = await hubOrgs();
      const names = new Map(hubs.map((o) => [o.id, o.name]));
      if (inc?.ownerOrgId && !names.has(inc.ownerOrgId)) names.set(inc.ownerOrgId, (await d.directory.getOrg(sys, inc.ownerOrgId).catch(() => null))?.name ?? '');
      const people = await d.members.list({ orgIds: assignableOrgs(hubs.map((h) => h.id), inc), roles: ASSIGNABLE_ROLES });
      return people.map((p) => ({ ...p, orgName: names.get(p.orgId) ?? '' }));
    },

    async addNote(actor: Actor, id: string, body: string) {
      requireWriter(actor);
      return withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        await touchFirstResponse(tx, actor, inc);
        const entry = await record(tx, actor, inc, 'note', body);
        return { ...entry, at: entry.at.toISOString() };
      });
    },

    async timeline(actor: Actor, id: string) {
      await getRow(actor, id);
      return (await repo.timeline(db, id)).map((e) => ({ ...e, at: e.at.toISOString() }));
    },

    async applyPlaybook(actor: Actor, id: string, type: Exclude<IncidentType, 'other'>) {
      requireWriter(actor);
      const pb = playbookOf(type);
      if (!pb) throw errors.validation([{ path: 'body.type', message: 'no such playbook' }]);
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        requireResponder(actor, inc);
        if (inc.playbooks.includes(type)) throw errors.conflict('INCIDENT_PLAYBOOK_APPLIED', `The ${pb.name} playbook is already applied`, { path: 'body.type' });
        const now = clock.now();
        for (const s of pb.steps) {
          await repo.insertTask(tx, { id: randomUUID(), incidentId: id, playbook: type, phase: s.phase, title: s.title, detail: s.detail, ownerUserId: inc.assigneeUserId, dueAt: new Date(now.getTime() + s.dueHours * 3600_000), createdAt: now });
        }
        await repo.updateIncident(tx, id, { playbooks: [...inc.playbooks, type], incidentType: inc.incidentType ?? type, updatedAt: now });
        await touchFirstResponse(tx, actor, inc);
        await record(tx, actor, inc, 'playbook', `Playbook applied: ${pb.name}`, { playbook: type, tasks: pb.steps.length });
      });
      return this.tasks(actor, id);
    },

    async tasks(actor: Actor, id: string) {
      await getRow(actor, id);
      const now = clock.now();
      return (await repo.tasks(db, id)).map((t: TaskRow) => ({ ...t, dueAt: iso(t.dueAt), doneAt: iso(t.doneAt), overdue: !t.doneAt && !!t.dueAt && t.dueAt < now }));
    },

    async addTask(actor: Actor, id: string, body: { title: string; detail: string; ownerUserId: string | null; dueAt: string | null }) {
      requireWriter(actor);
      const taskId = randomUUID();
      const hubs = await hubOrgIds();
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        requireResponder(actor, inc);
        if (body.ownerUserId) await checkAssignee(tx, hubs, inc, body.ownerUserId, 'body.ownerUserId');
        await repo.insertTask(tx, { id: taskId, incidentId: id, playbook: null, phase: null, title: body.title, detail: body.detail, ownerUserId: body.ownerUserId, dueAt: body.dueAt ? new Date(body.dueAt) : null, createdAt: clock.now() });
        await touchFirstResponse(tx, actor, inc);
        await record(tx, actor, inc, 'task.add', body.title, { taskId, ownerUserId: body.ownerUserId, dueAt: body.dueAt });
      });
      return (await this.tasks(actor, id)).find((t) => t.id === taskId)!;
    },

    async updateTask(actor: Actor, id: string, taskId: string, body: { title?: string; detail?: string; ownerUserId?: string | null; dueAt?: string | null; done?: boolean }) {
      requireWriter(actor);
      const hubs = body.ownerUserId ? await hubOrgIds() : [];
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireResponder(actor, inc);
        if (body.ownerUserId) await checkAssignee(tx, hubs, inc, body.ownerUserId, 'body.ownerUserId');
        const now = clock.now();
        const ok = await repo.updateTask(tx, id, taskId, {
          title: body.title, detail: body.detail, ownerUserId: body.ownerUserId,
          dueAt: body.dueAt === undefined ? undefined : body.dueAt === null ? null : new Date(body.dueAt),
          ...(body.done === undefined ? {} : { doneAt: body.done ? now : null, doneBy: body.done ? actor.userId : null }),
        });
        if (!ok) throw errors.notFound('task', 'INCIDENT_TASK_NOT_FOUND');
        await touchFirstResponse(tx, actor, inc);
        const kind = body.done === true ? 'task.done' : body.done === false ? 'task.reopen' : 'task.update';
        await record(tx, actor, inc, kind, body.title ?? '', { taskId, fields: Object.keys(body) });
      });
      return (await this.tasks(actor, id)).find((t) => t.id === taskId)!;
    },

    /** Streams an upload into the file store, sniffs it, refuses executables, flags disguises, extracts observables from text. */
    async addAttachment(actor: Actor, id: string, input: { filename: string; declaredType: string | null; contentLength: number | null; body: Readable }) {
      requireWriter(actor);
      const inc = await getRow(actor, id);
      const mayAttach = inc.createdBy === actor.userId || (inc.status !== 'draft' && (isResponder(actor, inc) || actor.orgId === inc.ownerOrgId));
      if (!mayAttach) {
        input.body.resume();
        throw errors.forbidden('INCIDENT_FORBIDDEN', 'Only the reporting organisation and responders add attachments');
      }
      if (input.contentLength !== null && input.contentLength > MAX_ATTACHMENT_BYTES) {
        input.body.resume();
        throw new AppError('INCIDENT_ATTACHMENT_TOO_LARGE', 413, `Attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes`, { path: 'body', maxBytes: MAX_ATTACHMENT_BYTES });
      }
      let staged;
      try {
        staged = await d.files.stage(input.body, { maxBytes: MAX_ATTACHMENT_BYTES });
      } catch (e) {
        if (e instanceof FileTooLargeError) throw new AppError('INCIDENT_ATTACHMENT_TOO_LARGE', 413, `Attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes`, { path: 'body', maxBytes: MAX_ATTACHMENT_BYTES });
        throw e;
      }
      const filename = cleanFilename(input.filename);
      const verdict = await classify(filename, staged.head);
      if (!verdict.ok) {
        await staged.discard();
        await withTx(db, (tx) => audit(tx, actor, { action: 'incidents.attachment.refused', subjectType: 'incident', subjectId: id, details: { filename, sha256: staged.sha256, detectedType: verdict.detectedType } }));
        throw new AppError('INCIDENT_ATTACHMENT_REFUSED', 415, verdict.reason, { path: 'body', detectedType: verdict.detectedType, sha256: staged.sha256 });
      }
      await staged.commit();
      const row: AttachmentRow = {
        id: randomUUID(), incidentId: id, filename, declaredType: input.declaredType, detectedType: verdict.detectedType, servedType: verdict.servedType,
        size: staged.size, sha256: staged.sha256, flagged: verdict.flagged, flagReason: verdict.flagReason, uploadedBy: actor.userId, createdAt: clock.now(),
      };
      const text = verdict.isText ? await d.files.readPrefix(staged.sha256, MAX_SCAN_BYTES) : null;
      await withTx(db, async (tx) => {
        const locked = await load(tx, actor, id);
        await repo.insertAttachment(tx, row);
        const n = text ? await extractInto(tx, id, text, `attachment:${row.id}`) : 0;
        await record(tx, actor, locked, 'attachment', filename, { attachmentId: row.id, sha256: row.sha256, size: row.size, flagged: row.flagged, observables: n });
      });
      return row;
    },

    async attachments(actor: Actor, id: string) {
      await getRow(actor, id);
      return repo.attachments(db, id);
    },

    async openAttachment(actor: Actor, id: string, attachmentId: string) {
      await getRow(actor, id);
      const [a] = await repo.attachments(db, id, attachmentId);
      if (!a) throw errors.notFound('attachment', 'INCIDENT_ATTACHMENT_NOT_FOUND');
      await withTx(db, (tx) => audit(tx, actor, { action: 'incidents.attachment.download', subjectType: 'incident', subjectId: id, details: { attachmentId, sha256: a.sha256 } }));
      return { meta: a, stream: await d.files.open(a.sha256) };
    },

    async observables(actor: Actor, id: string) {
      await getRow(actor, id);
      return repo.observables(db, id);
    },

    /** Shares chosen observables as STIX indicators (through intel's one validated write path). */
    async shareObservables(actor: Actor, id: string, body: { observableIds: string[]; tlp: Tlp }) {
      requireWriter(actor);
      return withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        requireResponder(actor, inc);
        const all = new Map((await repo.observables(tx, id)).map((o) => [o.id, o]));
        const chosen = body.observableIds.map((oid, i) => {
          const o = all.get(oid);
          if (!o) throw errors.validation([{ path: `body.observableIds.${i}`, message: 'not an observable of this incident' }]);
          return o;
        });
        const now = clock.now().toISOString();
        const objects = chosen.map((o) => ({
          type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: now, modified: now, valid_from: now,
          name: `${o.kind} ${o.value}`.slice(0, 250), description: `Observed in Rampart incident #${inc.ref}`,
          indicator_types: ['malicious-activity'], pattern_type: 'stix', pattern: patternOf(o.kind, o.value),
        }));
        const result = await d.intel.store(tx, { actor, ownerOrgId: actor.orgId, tlp: body.tlp, source: `incident:${inc.id}` }, objects);
        const inserted = new Set(result.inserted);
        const shared: { observableId: string; indicatorId: string }[] = [];
        for (const [i, o] of chosen.entries()) {
          const indicatorId = objects[i]!.id;
          if (inserted.has(indicatorId)) {
            await repo.markObservableShared(tx, o.id, indicatorId, body.tlp);
            shared.push({ observableId: o.id, indicatorId });
          }
        }
        await touchFirstResponse(tx, actor, inc);
        await record(tx, actor, inc, 'observables.share', `${shared.length} indicator(s) shared at TLP:${body.tlp}`, { tlp: body.tlp, indicators: shared.map((s) => s.indicatorId) });
        return { shared, rejected: result.rejected.map((r) => ({ id: r.id, errors: r.errors.map((e) => e.message) })) };
      });
    },

    async related(actor: Actor, id: string) {
      await getRow(actor, id);
      return repo.related(actor, id);
    },

    /** The reporting organisation consents (or withdraws consent) to escalation of a sanitised version. */
    async consent(actor: Actor, id: string, consent: boolean) {
      requireWriter(actor);
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        const own = inc.createdBy === actor.userId || (actor.orgId === inc.ownerOrgId && hasRole(actor, 'analyst'));
        if (!own) throw errors.forbidden('INCIDENT_FORBIDDEN', 'Only the reporting organisation gives consent');
        const now = clock.now();
        await repo.updateIncident(tx, id, { consentToShare: consent, consentAt: now, consentBy: actor.userId, updatedAt: now });
        await record(tx, actor, inc, consent ? 'consent.give' : 'consent.withdraw', '', { consent });
      });
      return view(await getRow(actor, id), actor);
    },

    /** The hub escalates a sanitised record (its own sharing) to named partners; they never see the original. */
    async escalate(actor: Actor, id: string, body: { title: string; summary: string; fields: (typeof ESCALATION_FIELDS)[number][]; recipientOrgIds: string[]; tlp: Tlp }) {
      requireWriter(actor);
      const escId = randomUUID();
      for (const [i, o] of body.recipientOrgIds.entries()) {
        const org = await d.directory.getOrg(sys, o).catch(() => null);
        if (!org) throw errors.validation([{ path: `body.recipientOrgIds.${i}`, message: 'no such organisation' }]);
      }
      await withTx(db, async (tx) => {
        const inc = await load(tx, actor, id);
        requireSubmitted(inc);
        if (!isHub(actor)) throw errors.forbidden('INCIDENT_FORBIDDEN', 'Only the hub escalates incidents');
        if (!inc.consentToShare) throw errors.conflict('INCIDENT_NO_CONSENT', 'The reporting organisation has not consented to sharing', { path: 'consentToShare' });
        const src = view(inc, actor) as unknown as Record<string, unknown>;
        const fields = Object.fromEntries(body.fields.map((f) => [f, src[f] ?? null]));
        const sharing: Sharing = { ownerOrgId: actor.orgId, tlp: body.tlp, communityIds: [], recipientOrgIds: body.recipientOrgIds, recipientUserIds: [], createdBy: actor.userId };
        await repo.insertEscalation(tx, { id: escId, incidentId: id, title: body.title, summary: body.summary, fields, createdAt: clock.now(), ...sharing });
        await record(tx, actor, inc, 'escalate', body.title, { escalationId: escId, recipientOrgIds: body.recipientOrgIds, tlp: body.tlp, fields: body.fields });
        await publishEvent(tx, { topic: 'incidents.escalation', subjectId: escId, sharing, payload: { title: body.title } });
      });
      return this.escalation(actor, escId, false);
    },

    async escalations(actor: Actor, incidentId?: string) {
      requireReader(actor);
      if (incidentId) await getRow(actor, incidentId);
      return (await repo.escalations(actor, { incidentId })).map((e) => escalationView(e, actor));
    },

    async escalation(actor: Actor, escId: string, auditView = true) {
      requireReader(actor);
      const [e] = await repo.escalations(actor, { id: escId });
      if (!e) throw errors.notFound('escalation', 'INCIDENT_ESCALATION_NOT_FOUND');
      if (auditView) await withTx(db, (tx) => audit(tx, actor, { action: 'incidents.escalation.view', subjectType: 'incident_escalation', subjectId: escId }));
      return escalationView(e, actor);
    },

    async auditExport(actor: Actor, id: string, format: 'stix' | 'pdf') {
      await withTx(db, (tx) => audit(tx, actor, { action: `incidents.export.${format}`, subjectType: 'incident', subjectId: id }));
    },

    async metrics(actor: Actor, q: { since?: string; until?: string }) {
      requireReader(actor);
      const { groups, stats } = await repo.metrics(actor, clock.now(), q.since ? new Date(q.since) : undefined, q.until ? new Date(q.until) : undefined);
      const by = (dim: string) => Object.fromEntries(groups.filter((g) => g.dim === dim).map((g) => [g.key ?? 'unknown', g.n]));
      const round = (n: number | null) => (n === null ? null : Math.round(Number(n) * 10) / 10);
      return {
        total: stats.total, byType: by('type'), byStatus: by('status'), byState: by('state'), byPhase: by('phase'), byPriority: by('priority'),
        medianMinutesToTriage: round(stats.triage), medianMinutesToFirstResponse: round(stats.first), medianMinutesToResolve: round(stats.resolve),
        slaBreaches: { triage: stats.triageBreaches, firstResponse: stats.firstBreaches },
      };
    },
  };
}
export type IncidentsService = ReturnType<typeof createIncidentsService>;

/** The original incident's id is shown only to the escalating organisation (the hub), never to partners. */
function escalationView(e: EscalationRow, actor: Actor) {
  return {
    id: e.id, title: e.title, summary: e.summary, fields: e.fields, createdAt: e.createdAt.toISOString(), sharing: sharingOf(e),
    incidentId: actor.kind === 'system' || (actor.orgId !== null && actor.orgId === e.ownerOrgId) ? e.incidentId : null,
  };
}

/** A STIX pattern for one observable; values are quoted per the patterning grammar. */
export function patternOf(kind: string, value: string): string {
  const q = `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  switch (kind) {
    case 'ipv4': return `[ipv4-addr:value = ${q}]`;
    case 'ipv6': return `[ipv6-addr:value = ${q}]`;
    case 'domain': return `[domain-name:value = ${q}]`;
    case 'url': return `[url:value = ${q}]`;
    case 'email': return `[email-addr:value = ${q}]`;
    case 'md5': return `[file:hashes.MD5 = ${q}]`;
    case 'sha1': return `[file:hashes.'SHA-1' = ${q}]`;
    case 'sha256': return `[file:hashes.'SHA-256' = ${q}]`;
    default: throw new Error(`unknown observable kind ${kind}`);
  }
}

