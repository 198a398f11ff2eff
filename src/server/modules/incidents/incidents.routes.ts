import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IntelPublic } from '../intel/index.ts';
import type { AttachmentRow, IncidentRow } from './incidents.repo.ts';
import {
  AssignBody,
  Assignee,
  AssigneesQuery,
  Attachment,
  ConsentBody,
  DraftBody,
  Escalation,
  EscalationBody,
  Incident,
  IncidentListPage,
  IncidentListItem,
  ListQuery,
  Metrics,
  MetricsQuery,
  NoteBody,
  Observable,
  PlaybookBody,
  Related,
  ShareObservablesBody,
  StatusBody,
  Task,
  TaskCreateBody,
  TaskUpdateBody,
  TimelineEntry,
  TriageBody,
  Uuid,
} from './incidents.schemas.ts';
import { MAX_ATTACHMENT_BYTES, type IncidentsService } from './incidents.service.ts';
import { incidentBundle } from './incidents.stix.ts';
import { renderCaseReport } from './incidents.pdf.ts';
import { PLAYBOOKS } from './playbooks.ts';
import { contentDisposition } from './sniff.ts';

const tags = ['incidents'];
const IdParams = z.strictObject({ id: Uuid });
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const attachmentOut = (a: AttachmentRow) => ({ ...a, createdAt: a.createdAt.toISOString() });
const summaryOut = (i: IncidentRow) => ({ ...i, detectedAt: iso(i.detectedAt), submittedAt: iso(i.submittedAt), updatedAt: i.updatedAt.toISOString() });

export function incidentsRoutes(service: IncidentsService, intel: IntelPublic) {
  return async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.get('/incidents', { schema: { tags, summary: 'List incidents you may see (filters; drafts=true lists your drafts)', querystring: ListQuery, response: { 200: IncidentListPage(IncidentListItem) } } }, async (req) => {
      const r = await service.list(req.actor, req.query);
      return { items: r.items.map((i) => ({ ...summaryOut(i), slaDueAt: iso(i.slaDueAt) })), total: r.total, totalCapped: r.totalCapped, page: req.query.page, pageSize: req.query.pageSize };
    });
    app.get('/incidents/metrics', { schema: { tags, summary: 'Operating picture: counts by type, status, state, phase and priority; median times; SLA breaches', querystring: MetricsQuery, response: { 200: Metrics } } }, async (req) =>
      service.metrics(req.actor, req.query),
    );
    app.get('/incidents/playbooks', { schema: { tags, summary: 'Playbooks per incident type', response: { 200: z.object({ items: z.array(z.object({ type: z.string(), name: z.string(), summary: z.string(), steps: z.array(z.object({ phase: z.string(), title: z.string(), detail: z.string(), dueHours: z.number() })) })) }) } } }, async () => ({
      items: PLAYBOOKS,
    }));
    app.get('/incidents/assignees', { schema: { tags, summary: 'People who may be assigned incidents and own tasks: analysts and admins of the hub (and of the incident\'s reporting organisation)', querystring: AssigneesQuery, response: { 200: z.object({ items: z.array(Assignee) }) } } }, async (req) => ({
      items: await service.assignees(req.actor, req.query.incidentId),
    }));
    app.get('/incidents/escalations', { schema: { tags, summary: 'Sanitised incident escalations shared with you', response: { 200: z.object({ items: z.array(Escalation) }) } } }, async (req) => ({
      items: await service.escalations(req.actor),
    }));
    app.get('/incidents/escalations/:id', { schema: { tags, summary: 'One sanitised escalation', params: IdParams, response: { 200: Escalation } } }, async (req) =>
      service.escalation(req.actor, req.params.id),
    );

    app.post('/incidents', { schema: { tags, summary: 'Start an incident report (a draft)', body: DraftBody, response: { 201: Incident } } }, async (req, reply) =>
      reply.code(201).send(await service.create(req.actor, req.body)),
    );
    app.patch('/incidents/:id', { schema: { tags, summary: 'Autosave a draft report', params: IdParams, body: DraftBody, response: { 200: Incident } } }, async (req) =>
      service.saveDraft(req.actor, req.params.id, req.body),
    );
    app.post('/incidents/:id/submit', { schema: { tags, summary: 'Submit a draft (status new)', params: IdParams, response: { 200: Incident } } }, async (req) =>
      service.submit(req.actor, req.params.id),
    );
    app.get('/incidents/:id', { schema: { tags, summary: 'One incident (the view is audited)', params: IdParams, response: { 200: Incident } } }, async (req) =>
      service.get(req.actor, req.params.id),
    );
    app.post('/incidents/:id/triage', { schema: { tags, summary: 'Set priority with a rationale (hub); a new incident becomes triaged', params: IdParams, body: TriageBody, response: { 200: Incident } } }, async (req) =>
      service.triage(req.actor, req.params.id, req.body),
    );
    app.post('/incidents/:id/status', { schema: { tags, summary: 'Move the incident through its workflow (invalid transitions: 409)', params: IdParams, body: StatusBody, response: { 200: Incident } } }, async (req) =>
      service.setStatus(req.actor, req.params.id, req.body.status, req.body.note),
    );
    app.post('/incidents/:id/assign', { schema: { tags, summary: 'Assign to a person of the hub or the reporting organisation', params: IdParams, body: AssignBody, response: { 200: Incident } } }, async (req) =>
      service.assign(req.actor, req.params.id, req.body.userId),
    );
    app.get('/incidents/:id/timeline', { schema: { tags, summary: 'Timeline: every change and note', params: IdParams, response: { 200: z.object({ items: z.array(TimelineEntry) }) } } }, async (req) => ({
      items: await service.timeline(req.actor, req.params.id),
    }));
    app.post('/incidents/:id/notes', { schema: { tags, summary: 'Add a note to the timeline', params: IdParams, body: NoteBody, response: { 201: TimelineEntry } } }, async (req, reply) =>
      reply.code(201).send(await service.addNote(req.actor, req.params.id, req.body.body)),
    );
    app.post('/incidents/:id/playbooks', { schema: { tags, summary: 'Apply a playbook: its steps become tasks', params: IdParams, body: PlaybookBody, response: { 200: z.object({ items: z.array(Task) }) } } }, async (req) => ({
      items: await service.applyPlaybook(req.actor, req.params.id, req.body.type),
    }));
    app.get('/incidents/:id/tasks', { schema: { tags, summary: 'Tasks', params: IdParams, response: { 200: z.object({ items: z.array(Task) }) } } }, async (req) => ({
      items: await service.tasks(req.actor, req.params.id),
    }));
    app.post('/incidents/:id/tasks', { schema: { tags, summary: 'Add a task', params: IdParams, body: TaskCreateBody, response: { 201: Task } } }, async (req, reply) =>
      reply.code(201).send(await service.addTask(req.actor, req.params.id, req.body)),
    );
    app.patch('/incidents/:id/tasks/:taskId', { schema: { tags, summary: 'Edit or complete a task', params: z.strictObject({ id: Uuid, taskId: Uuid }), body: TaskUpdateBody, response: { 200: Task } } }, async (req) =>
      service.updateTask(req.actor, req.params.id, req.params.taskId, req.body),
    );
    app.get('/incidents/:id/attachments', { schema: { tags, summary: 'Attachments', params: IdParams, response: { 200: z.object({ items: z.array(Attachment) }) } } }, async (req) => ({
      items: (await service.attachments(req.actor, req.params.id)).map(attachmentOut),
    }));
    app.get(
      '/incidents/:id/attachments/:attachmentId/content',
      { schema: { tags, summary: 'Download an attachment (always as a download, never rendered)', params: z.strictObject({ id: Uuid, attachmentId: Uuid }) } },
      async (req, reply) => {
        const { meta, stream } = await service.openAttachment(req.actor, req.params.id, req.params.attachmentId);
        return reply
          .header('content-type', meta.servedType)
          .header('content-disposition', contentDisposition(meta.filename))
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('cache-control', 'private, no-store')
          .header('content-length', String(meta.size))
          .send(stream);
      },
    );
    app.get('/incidents/:id/observables', { schema: { tags, summary: 'Observables extracted from the report and text attachments', params: IdParams, response: { 200: z.object({ items: z.array(Observable) }) } } }, async (req) => ({
      items: await service.observables(req.actor, req.params.id),
    }));
    app.post(
      '/incidents/:id/observables/share',
      {
        schema: {
          tags, summary: 'Share chosen observables as STIX indicators at a TLP', params: IdParams, body: ShareObservablesBody,
          response: { 200: z.object({ shared: z.array(z.object({ observableId: Uuid, indicatorId: z.string() })), rejected: z.array(z.object({ id: z.string().nullable(), errors: z.array(z.string()) })) }) },
        },
      },
      async (req) => service.shareObservables(req.actor, req.params.id, req.body),
    );
    app.get('/incidents/:id/related', { schema: { tags, summary: 'Incidents you may see that share observables with this one', params: IdParams, response: { 200: z.object({ items: z.array(Related) }) } } }, async (req) => ({
      items: await service.related(req.actor, req.params.id),
    }));
    app.post('/incidents/:id/consent', { schema: { tags, summary: 'The reporting organisation consents (or not) to escalation', params: IdParams, body: ConsentBody, response: { 200: Incident } } }, async (req) =>
      service.consent(req.actor, req.params.id, req.body.consent),
    );
    app.post('/incidents/:id/escalations', { schema: { tags, summary: 'Escalate a sanitised version to named partners (hub; needs consent)', params: IdParams, body: EscalationBody, response: { 201: Escalation } } }, async (req, reply) =>
      reply.code(201).send(await service.escalate(req.actor, req.params.id, req.body)),
    );
    app.get('/incidents/:id/escalations', { schema: { tags, summary: 'Escalations of this incident you may see', params: IdParams, response: { 200: z.object({ items: z.array(Escalation) }) } } }, async (req) => ({
      items: await service.escalations(req.actor, req.params.id),
    }));

    app.get('/incidents/:id/stix', { schema: { tags, summary: 'The incident as a STIX 2.1 bundle (incident, observables, indicators, sightings)', params: IdParams } }, async (req, reply) => {
      const inc = await service.getRow(req.actor, req.params.id);
      const observables = await service.observables(req.actor, inc.id);
      const indicators: Record<string, unknown>[] = [];
      for (const id of new Set(observables.map((o) => o.sharedIndicatorId).filter((x): x is string => !!x))) {
        const o = await intel.getVisible(req.actor, id);
        if (o) indicators.push(o);
      }
      await service.auditExport(req.actor, inc.id, 'stix');
      return reply.header('content-type', 'application/stix+json;version=2.1').send(JSON.stringify(incidentBundle(inc, observables, indicators)));
    });

    app.get('/incidents/:id/report.pdf', { schema: { tags, summary: 'Case report (PDF)', params: IdParams } }, async (req, reply) => {
      const a = req.actor;
      const inc = service.view(await service.getRow(a, req.params.id), a);
      const [tasks, timeline, attachments, observables] = await Promise.all([service.tasks(a, inc.id), service.timeline(a, inc.id), service.attachments(a, inc.id), service.observables(a, inc.id)]);
      const pdf = await renderCaseReport({ incident: inc, tasks, timeline, attachments, observables, generatedAt: new Date().toISOString(), generatedBy: a.name });
      await service.auditExport(a, inc.id, 'pdf');
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', contentDisposition(`incident-${inc.ref}.pdf`))
        .header('x-content-type-options', 'nosniff')
        .send(pdf);
    });

    // Raw upload: the body stream goes to the file store untouched (never buffered whole).
    await scope.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser('*', { bodyLimit: MAX_ATTACHMENT_BYTES + 1 }, (_req, payload, done) => done(null, payload));
      const rapp = raw.withTypeProvider<ZodTypeProvider>();
      rapp.post(
        '/incidents/:id/attachments',
        {
          bodyLimit: MAX_ATTACHMENT_BYTES + 1,
          schema: {
            tags,
            summary: 'Upload an attachment (screenshot, log, .eml): the body is the file; ?filename= names it',
            description: `Up to ${MAX_ATTACHMENT_BYTES} bytes. The type is read from the bytes: executables are refused (415), a file whose content disagrees with its name is kept but flagged.`,
            params: IdParams,
            querystring: z.strictObject({ filename: z.string().min(1).max(255) }),
            response: { 201: Attachment },
          },
        },
        async (req, reply) => {
          const len = req.headers['content-length'];
          const row = await service.addAttachment(req.actor, req.params.id, {
            filename: req.query.filename,
            declaredType: typeof req.headers['content-type'] === 'string' ? req.headers['content-type'].slice(0, 200) : null,
            contentLength: len ? Number(len) : null,
            body: req.body as Readable,
          });
          return reply.code(201).send(attachmentOut(row));
        },
      );
    });
  };
}
