import { Alert, Anchor, Button, Checkbox, Group, Paper, Radio, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api, ApiError, call, fieldError } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { RemoteSelect } from '../../components/RemoteSelect';
import { TlpBadge } from '../../components/TlpBadge';
import { useCurrentMe } from '../../session';
import type { Tlp } from '../../theme';
import {
  ACTIVITY_LABELS, ESCALATION_FIELDS, FUNCTIONAL_LABELS, INCIDENTS_BASE, incidentPath, INFORMATION_LABELS, options, PHASE_LABELS, PRIORITIES, PRIORITY_LABELS, RECOVERY_LABELS, roleOf, stateName,
  STATUS_ACTIONS, STATUS_LABELS, SYSTEM_LABELS, TYPES, TYPE_LABELS, VECTOR_LABELS, toIso, toLocal, type Attachment, type EscalationField, type Incident, type IncidentType, type Priority, type Status,
  type TimelineEntry,
} from './incidents';
import { AttachmentDrop, AttachmentTable, PriorityPill, SlaLine, StatusPill } from './parts';
import '../intel/intel.css';

const label = (labels: Record<string, string>, v: string | null | undefined) => (v ? (labels[v] ?? v) : '—');

function Section({ id, title, children, action }: { id: string; title: string; children: ReactNode; action?: ReactNode }) {
  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby={id}>
      <Group justify="space-between" mb="sm" gap="sm">
        <Title order={2} fz="lg" id={id}>
          {title}
        </Title>
        {action}
      </Group>
      {children}
    </Paper>
  );
}

/** One incident as a case: what was reported, where it stands, and the work on it. */
export function IncidentCasePage() {
  const { id = '' } = useParams();
  const me = useCurrentMe();
  const location = useLocation();
  const inc = useQuery({ queryKey: ['incident', id], queryFn: () => call(api.GET('/api/incidents/{id}', { params: { path: { id } } })), retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2 });
  const crumbs = [
    { label: 'Election infrastructure', to: '/infrastructure' },
    { label: 'Incidents', to: INCIDENTS_BASE },
  ];
  if (inc.error) {
    const missing = inc.error instanceof ApiError && (inc.error.status === 404 || inc.error.status === 400);
    return (
      <Page title={missing ? 'Incident not found' : 'Could not open the incident'} crumbs={crumbs}>
        {missing ? (
          <Text>This incident does not exist, or it has not been shared with your organisation.</Text>
        ) : (
          <ErrorAlert error={inc.error} />
        )}
        <Button variant="default" component={Link} to={INCIDENTS_BASE} w="fit-content">
          Back to incidents
        </Button>
      </Page>
    );
  }
  if (!inc.data) return <Loading label="Loading the incident" />;
  const i = inc.data;
  const role = roleOf(me);
  const ownOrg = role.orgId !== null && role.orgId === i.sharing.ownerOrgId;
  const responder = role.analyst && (role.hub || ownOrg);
  const justReported = (location.state as { justReported?: boolean } | null)?.justReported;

  return (
    <Page
      title={i.title || `Incident #${i.ref}`}
      crumbs={crumbs}
      lead={
        <Group gap={8} component="span" wrap="wrap">
          <span>#{i.ref}</span>
          <StatusPill status={i.status} />
          <PriorityPill priority={i.priority} />
          <TlpBadge tlp={i.sharing.tlp} />
          <span>
            {label(TYPE_LABELS, i.incidentType)} · {stateName(i.jurisdictionFips)} · reported {fmtDateTime(i.submittedAt)}
          </span>
        </Group>
      }
      actions={
        <>
          <Button variant="default" component="a" href={`/api/incidents/${i.id}/report.pdf`} download={`incident-${i.ref}.pdf`}>
            Case report (PDF)
          </Button>
          <Button variant="default" component="a" href={`/api/incidents/${i.id}/stix`} download={`incident-${i.ref}.stix.json`}>
            STIX bundle
          </Button>
        </>
      }
    >
      {justReported ? (
        <Alert color="green" variant="light" title={`Incident #${i.ref} reported`} data-testid="reported-banner">
          The hub has it and aims to triage it within an hour. You will see every step here; add notes or files at any time.
        </Alert>
      ) : null}
      <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="lg" style={{ alignItems: 'start' }}>
        <Stack gap="lg" style={{ gridColumn: 'span 2' }} className="inc-main">
          <Report i={i} />
          <Tasks i={i} responder={responder} />
          <Timeline i={i} />
          <Observables i={i} responder={responder} />
          <Attachments i={i} mayAttach={ownOrg || responder} />
          <Related i={i} />
        </Stack>
        <Stack gap="lg">
          <StatusSection i={i} responder={responder} />
          <Triage i={i} hubAnalyst={role.hubAnalyst} />
          <Assignment i={i} responder={responder} />
          <Escalation i={i} ownOrg={ownOrg && (role.analyst || i.sharing.createdBy === me.id)} hubAnalyst={role.hubAnalyst} />
        </Stack>
      </SimpleGrid>
    </Page>
  );
}

function useRefresh(id: string) {
  const qc = useQueryClient();
  return (next?: Incident) => {
    if (next) qc.setQueryData(['incident', id], next);
    void qc.invalidateQueries({ queryKey: ['incident', id], predicate: (q) => q.queryKey.length > 2 || !next });
    void qc.invalidateQueries({ queryKey: ['incidents'] });
  };
}

function Report({ i }: { i: Incident }) {
  const rows: [string, ReactNode][] = [
    ['What happened', <span key="w" style={{ whiteSpace: 'pre-wrap' }}>{i.whatHappened}</span>],
    ['Election systems', i.electionSystems.map((s) => label(SYSTEM_LABELS, s)).join(', ') || '—'],
    ['Election phase', label(PHASE_LABELS, i.electionPhase)],
    ['Affected', i.affectedSystems || '—'],
    ['Noticed', fmtDateTime(i.detectedAt)],
    ['Started', fmtDateTime(i.occurredAt)],
    ['Effect on operations', label(FUNCTIONAL_LABELS, i.functionalImpact)],
    ['Effect on information', label(INFORMATION_LABELS, i.informationImpact)],
    ['Recovery', label(RECOVERY_LABELS, i.recoverability)],
    ['How it started', label(VECTOR_LABELS, i.attackVector)],
    ['What the attacker did', label(ACTIVITY_LABELS, i.observedActivity)],
  ];
  return (
    <Section id="report-title" title="The report">
      <dl className="intel-dl">
        {rows.map(([k, v]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

function StatusSection({ i, responder }: { i: Incident; responder: boolean }) {
  const refresh = useRefresh(i.id);
  const announce = useAnnounce();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState<Status | null>(null);
  const [error, setError] = useState<unknown>(null);
  // "Triaged" comes from setting a priority (the triage form), so it is not offered while none is set.
  const next = i.allowedTransitions.filter((s) => !(s === 'triaged' && !i.priority));
  const move = async (to: Status) => {
    setBusy(to);
    setError(null);
    try {
      const r = await call(api.POST('/api/incidents/{id}/status', { params: { path: { id: i.id } }, body: { status: to, note: note.trim() || undefined } }));
      setNote('');
      refresh(r);
      announce(`Status changed to ${STATUS_LABELS[to]}`);
    } catch (e) {
      setError(e);
      refresh();
    } finally {
      setBusy(null);
    }
  };
  return (
    <Section id="status-title" title="Status">
      <Stack gap="sm">
        <Group gap="sm">
          <StatusPill status={i.status} />
          <Text fz="sm" c="dimmed">
            updated {fmtDateTime(i.updatedAt)}
          </Text>
        </Group>
        <SlaLine label="Triage" sla={i.sla.triage} />
        <SlaLine label="First response" sla={i.sla.firstResponse} />
        {error instanceof ApiError && error.status === 409 ? (
          <Alert color="red" variant="light" role="alert" title="The status was not changed: the case has moved on" data-testid="status-conflict">
            {error.code === 'INCIDENT_PRIORITY_REQUIRED' ? 'Set a priority first.' : `Someone else changed it while you were looking; it is now ${STATUS_LABELS[i.status]}. The buttons below show the next steps from there.`}
          </Alert>
        ) : error ? (
          <ErrorAlert error={error} title="The status was not changed" />
        ) : null}
        {responder && next.length ? (
          <>
            <Textarea label="Note with the change (optional)" autosize minRows={1} maxRows={5} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
            <Group gap="xs" role="group" aria-label="Next steps">
              {next.map((s) => (
                <Button key={s} onClick={() => void move(s)} loading={busy === s} disabled={!!busy && busy !== s} variant={s === 'in_progress' && i.status !== 'triaged' ? 'default' : 'filled'}>
                  {STATUS_ACTIONS[s]}
                </Button>
              ))}
            </Group>
          </>
        ) : (
          <Text fz="sm" c="dimmed">
            {i.status === 'closed' ? 'This incident is closed.' : i.status === 'new' && responder ? 'Set a priority below to triage it.' : 'Hub analysts and your office’s analysts move the case forward.'}
          </Text>
        )}
      </Stack>
    </Section>
  );
}

function Triage({ i, hubAnalyst }: { i: Incident; hubAnalyst: boolean }) {
  const refresh = useRefresh(i.id);
  const announce = useAnnounce();
  const [priority, setPriority] = useState<string>(i.priority ?? '');
  const [rationale, setRationale] = useState('');
  const [type, setType] = useState<string | null>(i.incidentType);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call(api.POST('/api/incidents/{id}/triage', { params: { path: { id: i.id } }, body: { priority: priority as Priority, rationale, incidentType: (type ?? undefined) as IncidentType | undefined } }));
      setRationale('');
      setEditing(false);
      refresh(r);
      announce(`Priority set to ${PRIORITY_LABELS[priority as Priority]}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section id="priority-title" title="Priority">
      <Stack gap="sm">
        <Group gap="sm">
          <PriorityPill priority={i.priority} />
        </Group>
        {i.priorityRationale ? (
          <Text fz="sm" data-testid="priority-rationale">
            <b>Why:</b> {i.priorityRationale}
          </Text>
        ) : null}
        {hubAnalyst && i.status !== 'closed' && i.priority && !editing ? (
          <Button variant="default" onClick={() => setEditing(true)} w="fit-content">
            Change the priority
          </Button>
        ) : null}
        {hubAnalyst && i.status !== 'closed' && (!i.priority || editing) ? (
          <>
            <Radio.Group label={i.priority ? 'New priority' : 'Set the priority'} required value={priority} onChange={setPriority} error={fieldError(error, 'body.priority')}>
              <Stack gap={6} mt="xs">
                {PRIORITIES.map((p) => (
                  <Radio key={p.value} value={p.value} label={p.label} description={p.hint} />
                ))}
              </Stack>
            </Radio.Group>
            <Textarea label="Rationale" description="Why this priority: what is affected and how much. The reporter sees it." required autosize minRows={2} value={rationale} onChange={(e) => setRationale(e.currentTarget.value)} error={fieldError(error, 'body.rationale')} />
            <Select label="Kind of incident" data={options(TYPES)} value={type} onChange={setType} comboboxProps={{ withinPortal: true }} />
            <ErrorAlert error={error} title="The priority was not saved" shownInline={['body.priority', 'body.rationale']} />
            <Group gap="sm">
              <Button onClick={() => void save()} loading={busy} disabled={!priority}>
                {i.status === 'new' ? 'Triage with this priority' : 'Save priority'}
              </Button>
              {editing ? (
                <Button variant="default" onClick={() => setEditing(false)}>
                  Cancel
                </Button>
              ) : null}
            </Group>
          </>
        ) : !i.priority ? (
          <Text fz="sm" c="dimmed">
            The hub sets the priority when it triages the report.
          </Text>
        ) : null}
      </Stack>
    </Section>
  );
}

/** Who may be assigned or own a task (analysts and admins of the hub and of the reporting office): asked only by those who work the case. */
function useAssignees(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ['incident', id, 'assignees'],
    queryFn: () => call(api.GET('/api/incidents/assignees', { params: { query: { incidentId: id } } })),
    enabled,
    staleTime: 60_000,
  });
}

/** Names of people on this case: those who may be assigned, and the timeline's actors. */
function usePeople(id: string, responder = false) {
  const t = useQuery({ queryKey: ['incident', id, 'timeline'], queryFn: () => call(api.GET('/api/incidents/{id}/timeline', { params: { path: { id } } })) });
  const a = useAssignees(id, responder);
  const people = new Map<string, string>();
  for (const p of a.data?.items ?? []) people.set(p.userId, p.name);
  for (const e of t.data?.items ?? []) if (e.actorId) people.set(e.actorId, e.actorName);
  return people;
}

/** Choices for an assignee or task owner: name and office, "(you)" for oneself; the current one kept if no longer listed. */
function useAssigneeOptions(id: string, responder: boolean, current: string | null) {
  const me = useCurrentMe();
  const a = useAssignees(id, responder);
  const people = usePeople(id, responder);
  const options = (a.data?.items ?? []).map((p) => ({ value: p.userId, label: p.userId === me.id ? `${p.name} (you)` : `${p.name} — ${p.orgName}` }));
  if (current && !options.some((o) => o.value === current)) options.push({ value: current, label: people.get(current) ?? 'Someone on the case' });
  return options;
}

function Assignment({ i, responder }: { i: Incident; responder: boolean }) {
  const me = useCurrentMe();
  const refresh = useRefresh(i.id);
  const announce = useAnnounce();
  const people = usePeople(i.id, responder);
  people.set(me.id, `${me.name} (you)`);
  const options = useAssigneeOptions(i.id, responder, i.assigneeUserId);
  const [error, setError] = useState<unknown>(null);
  const assign = async (userId: string | null) => {
    setError(null);
    try {
      const r = await call(api.POST('/api/incidents/{id}/assign', { params: { path: { id: i.id } }, body: { userId } }));
      refresh(r);
      announce(userId ? `Assigned to ${people.get(userId) ?? 'the chosen person'}` : 'Unassigned');
    } catch (e) {
      setError(e);
    }
  };
  const current = i.assigneeUserId ? (people.get(i.assigneeUserId) ?? 'Someone on the case') : null;
  return (
    <Section id="assign-title" title="Assigned to">
      <Stack gap="sm">
        <Text fw={600} data-testid="assignee">{current ?? 'Nobody yet'}</Text>
        {responder && i.status !== 'closed' ? (
          <>
            <Select
              label="Assign to"
              description="Analysts and admins of the hub or of the reporting office."
              data={options}
              searchable
              value={i.assigneeUserId}
              onChange={(v) => void assign(v)}
              clearable
              comboboxProps={{ withinPortal: true }}
            />
            {i.assigneeUserId !== me.id ? (
              <Button variant="default" onClick={() => void assign(me.id)} w="fit-content">
                Assign to me
              </Button>
            ) : null}
            <ErrorAlert error={error} title="The assignment was not changed" />
          </>
        ) : null}
      </Stack>
    </Section>
  );
}

type TaskItem = { id: string; title: string; detail: string; ownerUserId: string | null; dueAt: string | null };

/** Adds a task, or edits one: title, detail, owner (someone who may be assigned), due time. The server checks each field. */
function TaskForm({ i, task, onDone }: { i: Incident; task?: TaskItem; onDone: (title: string) => void }) {
  const refresh = useRefresh(i.id);
  const [title, setTitle] = useState(task?.title ?? '');
  const [detail, setDetail] = useState(task?.detail ?? '');
  const [owner, setOwner] = useState<string | null>(task ? task.ownerUserId : i.assigneeUserId);
  const [due, setDue] = useState(toLocal(task?.dueAt));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const options = useAssigneeOptions(i.id, true, owner);
  const what = task ? `Edit task: ${task.title}` : 'New task';
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { title, detail, ownerUserId: owner, dueAt: toIso(due) ?? null };
    try {
      if (task) await call(api.PATCH('/api/incidents/{id}/tasks/{taskId}', { params: { path: { id: i.id, taskId: task.id } }, body }));
      else await call(api.POST('/api/incidents/{id}/tasks', { params: { path: { id: i.id } }, body }));
      refresh();
      onDone(title);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="sm" radius="md" component="form" onSubmit={save} aria-label={what}>
      <Stack gap="sm">
        <TextInput label="Task" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={fieldError(error, 'body.title')} maxLength={500} />
        <Textarea label="Details" autosize minRows={2} value={detail} onChange={(e) => setDetail(e.currentTarget.value)} error={fieldError(error, 'body.detail')} />
        <Group gap="sm" align="flex-start" wrap="wrap">
          <Select label="Owner" placeholder="Nobody yet" data={options} value={owner} onChange={setOwner} clearable searchable w={300} error={fieldError(error, 'body.ownerUserId')} comboboxProps={{ withinPortal: true }} />
          <TextInput label="Due" type="datetime-local" description="Your local time; empty: no due date." value={due} onChange={(e) => setDue(e.currentTarget.value)} error={fieldError(error, 'body.dueAt')} w={240} />
        </Group>
        <ErrorAlert error={error} title={task ? 'The task was not changed' : 'The task was not added'} shownInline={['body.title', 'body.detail', 'body.ownerUserId', 'body.dueAt']} />
        <Group gap="sm">
          <Button type="submit" loading={busy} disabled={!title.trim()}>
            {task ? 'Save task' : 'Add task'}
          </Button>
          <Button variant="default" onClick={() => onDone('')}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function Tasks({ i, responder }: { i: Incident; responder: boolean }) {
  const refresh = useRefresh(i.id);
  const announce = useAnnounce();
  const people = usePeople(i.id);
  const tasks = useQuery({ queryKey: ['incident', i.id, 'tasks'], queryFn: () => call(api.GET('/api/incidents/{id}/tasks', { params: { path: { id: i.id } } })) });
  const playbooks = useQuery({ queryKey: ['incident-playbooks'], queryFn: () => call(api.GET('/api/incidents/playbooks')), staleTime: Infinity, enabled: responder });
  const available = (playbooks.data?.items ?? []).filter((p) => !i.playbooks.includes(p.type));
  const [chosen, setChosen] = useState<string | null>(null);
  const pick = chosen ?? (available.some((p) => p.type === i.incidentType) ? i.incidentType : null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const apply = async () => {
    if (!pick) return;
    setBusy(true);
    setError(null);
    try {
      const r = await call(api.POST('/api/incidents/{id}/playbooks', { params: { path: { id: i.id } }, body: { type: pick as Exclude<IncidentType, 'other'> } }));
      setChosen(null);
      refresh();
      announce(`Playbook applied: ${plural(r.items.length, 'task')} added`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const qc = useQueryClient();
  const toggle = async (taskId: string, done: boolean, title: string) => {
    setError(null);
    // Ticked at once; put back if the server refuses.
    const key = ['incident', i.id, 'tasks'];
    void qc.cancelQueries({ queryKey: key });
    const before = qc.getQueryData<typeof tasks.data>(key);
    qc.setQueryData<typeof tasks.data>(key, (d) => d && { items: d.items.map((t) => (t.id === taskId ? { ...t, doneAt: done ? new Date().toISOString() : null } : t)) });
    try {
      await call(api.PATCH('/api/incidents/{id}/tasks/{taskId}', { params: { path: { id: i.id, taskId } }, body: { done } }));
      refresh();
      announce(`${title}: ${done ? 'done' : 'not done'}`);
    } catch (e) {
      qc.setQueryData(key, before);
      setError(e);
    }
  };
  // "new" for the add form, a task id for its edit form, null for neither.
  const [editing, setEditing] = useState<string | null>(null);
  const closeForm = (title: string) => {
    if (title) announce(editing === 'new' ? `Task added: ${title}` : `Task saved: ${title}`);
    setEditing(null);
  };
  const open = responder && i.status !== 'closed';
  const items = tasks.data?.items ?? [];
  const done = items.filter((t) => t.doneAt).length;
  const chosenPb = playbooks.data?.items.find((p) => p.type === pick);
  return (
    <Section id="tasks-title" title="Tasks" action={items.length ? <Text fz="sm" c="dimmed" data-testid="task-progress">{done} of {items.length} done</Text> : undefined}>
      <Stack gap="md">
        {responder && available.length && i.status !== 'closed' ? (
          <Group align="flex-end" gap="sm" wrap="wrap">
            <Select label="Playbook" description={chosenPb ? chosenPb.summary : 'Its steps become tasks, each with a due time.'} placeholder="Choose a playbook" data={available.map((p) => ({ value: p.type, label: p.name }))} value={pick} onChange={setChosen} w={360} comboboxProps={{ withinPortal: true }} />
            <Button onClick={() => void apply()} loading={busy} disabled={!pick}>
              Apply playbook
            </Button>
          </Group>
        ) : null}
        {i.playbooks.length ? (
          <Text fz="sm">
            Applied: {i.playbooks.map((t) => playbooks.data?.items.find((p) => p.type === t)?.name ?? label(TYPE_LABELS, t)).join(', ')}
          </Text>
        ) : null}
        <ErrorAlert error={error} title="That did not work" />
        {tasks.isPending ? <Loading label="Loading tasks" /> : null}
        {tasks.data && !items.length ? <Text c="dimmed" fz="sm">No tasks yet.{responder ? ' Apply a playbook to get a checklist, or add a task.' : ''}</Text> : null}
        {open && editing === 'new' ? <TaskForm i={i} onDone={closeForm} /> : null}
        {open && editing !== 'new' ? (
          <Button variant="default" onClick={() => setEditing('new')} w="fit-content">
            Add a task
          </Button>
        ) : null}
        {items.length ? (
          <Stack gap="sm" component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="tasks">
            {items.map((t) => (
              <li key={t.id}>
                <Group gap="sm" align="flex-start" wrap="nowrap">
                  <Checkbox
                    checked={!!t.doneAt}
                    disabled={!responder}
                    onChange={(e) => void toggle(t.id, e.currentTarget.checked, t.title)}
                    aria-label={`Done: ${t.title}`}
                    mt={2}
                  />
                  <div style={{ flex: 1 }}>
                    <Text fw={600} fz="sm" className={t.doneAt ? 'inc-task-done' : undefined}>
                      {t.title}
                    </Text>
                    {t.detail ? (
                      <Text fz="sm" c="dimmed">
                        {t.detail}
                      </Text>
                    ) : null}
                    <Group gap="xs" mt={2}>
                      {t.phase ? <span className="tag">{t.phase}</span> : null}
                      <Text fz="xs">Owner: {t.ownerUserId ? (people.get(t.ownerUserId) ?? 'someone on the case') : 'nobody yet'}</Text>
                      <Text fz="xs">{t.doneAt ? `Done ${fmtDateTime(t.doneAt)}` : t.dueAt ? `Due ${fmtDateTime(t.dueAt)}` : 'No due date'}</Text>
                      {t.overdue && !t.doneAt ? <span className="pill pill-red">Overdue</span> : null}
                      {open && editing !== t.id ? (
                        <Anchor component="button" type="button" fz="xs" onClick={() => setEditing(t.id)} aria-label={`Edit task: ${t.title}`}>
                          Edit
                        </Anchor>
                      ) : null}
                    </Group>
                    {open && editing === t.id ? <TaskForm i={i} task={t} onDone={closeForm} /> : null}
                  </div>
                </Group>
              </li>
            ))}
          </Stack>
        ) : null}
      </Stack>
    </Section>
  );
}

const KIND_LABELS: Record<string, string> = { create: 'Draft started', submit: 'Reported', triage: 'Priority set', status: 'Status changed', assign: 'Assignment', note: 'Note', playbook: 'Playbook applied', 'task.add': 'Task added', 'task.done': 'Task done', 'task.reopen': 'Task reopened', 'task.update': 'Task changed', attachment: 'File added', 'observables.share': 'Shared as indicators', consent: 'Consent', 'consent.give': 'Consent given', 'consent.withdraw': 'Consent withdrawn', escalate: 'Escalated' };

/** The change an entry records, in words (its body holds the note or rationale). */
function describe(e: TimelineEntry, people: Map<string, string>, tasks: Map<string, string>): string | null {
  const d = e.details as { from?: string | null; to?: string | null; priority?: string; taskId?: string };
  if (e.kind.startsWith('task.') && !e.body && d.taskId) return tasks.get(d.taskId) ?? null;
  if (e.kind === 'status' && d.to) return `${STATUS_LABELS[d.from as Status] ?? d.from ?? '—'} → ${STATUS_LABELS[d.to as Status] ?? d.to}`;
  if (e.kind === 'triage' && d.priority) return `Priority: ${PRIORITY_LABELS[d.priority as Priority] ?? d.priority}`;
  if (e.kind === 'assign') return d.to ? `Assigned to ${people.get(d.to) ?? 'someone on the case'}` : 'Unassigned';
  return null;
}

function Timeline({ i }: { i: Incident }) {
  const people = usePeople(i.id);
  const taskList = useQuery({ queryKey: ['incident', i.id, 'tasks'], queryFn: () => call(api.GET('/api/incidents/{id}/tasks', { params: { path: { id: i.id } } })) });
  const taskTitles = new Map((taskList.data?.items ?? []).map((t) => [t.id, t.title]));
  const refresh = useRefresh(i.id);
  const announce = useAnnounce();
  const t = useQuery({ queryKey: ['incident', i.id, 'timeline'], queryFn: () => call(api.GET('/api/incidents/{id}/timeline', { params: { path: { id: i.id } } })) });
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const add = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(api.POST('/api/incidents/{id}/notes', { params: { path: { id: i.id } }, body: { body: note } }));
      setNote('');
      refresh();
      announce('Note added');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section id="timeline-title" title="Timeline">
      <Stack gap="md">
        {t.isPending ? <Loading label="Loading the timeline" /> : null}
        <ErrorAlert error={t.error} title="Could not load the timeline" />
        {t.data?.items.length ? (
          <ol className="inc-timeline" data-testid="timeline">
            {t.data.items.map((e) => (
              <li key={e.id} data-kind={e.kind}>
                <Text fz="sm">
                  <b>{KIND_LABELS[e.kind] ?? e.kind}</b> · {e.actorName} · <span className="nowrap">{fmtDateTime(e.at)}</span>
                </Text>
                {describe(e, people, taskTitles) ? <Text fz="sm">{describe(e, people, taskTitles)}</Text> : null}
                {e.body ? (
                  <Text fz="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                    {e.body}
                  </Text>
                ) : null}
              </li>
            ))}
          </ol>
        ) : null}
        <Textarea label="Add a note" description="Everyone who can see this incident can read notes." autosize minRows={2} maxRows={10} value={note} onChange={(e) => setNote(e.currentTarget.value)} error={fieldError(error, 'body.body')} />
        <ErrorAlert error={error} title="The note was not added" shownInline={['body.body']} />
        <Button onClick={() => void add()} loading={busy} disabled={!note.trim()} w="fit-content" variant="default">
          Add note
        </Button>
      </Stack>
    </Section>
  );
}

const OBS_LABELS: Record<string, string> = { ipv4: 'IPv4 address', ipv6: 'IPv6 address', domain: 'Domain', url: 'URL', email: 'Email address', md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' };
const SHARE_TLPS: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT'];

function Observables({ i, responder }: { i: Incident; responder: boolean }) {
  const refresh = useRefresh(i.id);
  const announce = useAnnounce();
  const obs = useQuery({ queryKey: ['incident', i.id, 'observables'], queryFn: () => call(api.GET('/api/incidents/{id}/observables', { params: { path: { id: i.id } } })) });
  const [selected, setSelected] = useState<string[]>([]);
  const [tlp, setTlp] = useState<Tlp>('AMBER');
  const [error, setError] = useState<unknown>(null);
  const [rejected, setRejected] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const files = useQuery({ queryKey: ['incident', i.id, 'attachments'], queryFn: () => call(api.GET('/api/incidents/{id}/attachments', { params: { path: { id: i.id } } })) });
  const foundIn = (source: string) => (source === 'report' ? 'Report' : source.startsWith('attachment:') ? (files.data?.items.find((a) => a.id === source.slice(11))?.filename ?? 'A file') : source);
  const items = obs.data?.items ?? [];
  const share = async () => {
    setBusy(true);
    setError(null);
    setRejected([]);
    try {
      const r = await call(api.POST('/api/incidents/{id}/observables/share', { params: { path: { id: i.id } }, body: { observableIds: selected, tlp } }));
      setSelected([]);
      setRejected(r.rejected.map((x) => x.errors.join('; ')));
      refresh();
      announce(`${plural(r.shared.length, 'indicator')} shared at TLP:${tlp}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const selectable = items.filter((o) => !o.sharedIndicatorId);
  return (
    <Section id="observables-title" title="Observables">
      <Stack gap="sm">
        <Text fz="sm" c="dimmed">
          Addresses, domains and hashes found in the report and in text files. Sharing them as indicators lets other offices check their own logs.
        </Text>
        {obs.data && !items.length ? <Text fz="sm" c="dimmed">None found.</Text> : null}
        {items.length ? (
          <Table.ScrollContainer minWidth={520}>
            <Table verticalSpacing={6} fz="sm" data-testid="observables">
              <Table.Thead>
                <Table.Tr>
                  {responder ? (
                    <Table.Th w={40}>
                      <Checkbox aria-label="Choose all not yet shared" checked={selectable.length > 0 && selected.length === selectable.length} indeterminate={selected.length > 0 && selected.length < selectable.length} onChange={(e) => setSelected(e.currentTarget.checked ? selectable.map((o) => o.id) : [])} disabled={!selectable.length} />
                    </Table.Th>
                  ) : null}
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Value</Table.Th>
                  <Table.Th>Found in</Table.Th>
                  <Table.Th>Shared</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((o) => (
                  <Table.Tr key={o.id}>
                    {responder ? (
                      <Table.Td>
                        <Checkbox aria-label={`Choose ${o.value}`} disabled={!!o.sharedIndicatorId} checked={selected.includes(o.id)} onChange={(e) => setSelected(e.currentTarget.checked ? [...selected, o.id] : selected.filter((x) => x !== o.id))} />
                      </Table.Td>
                    ) : null}
                    <Table.Td className="nowrap">{OBS_LABELS[o.kind] ?? o.kind}</Table.Td>
                    <Table.Td className="mono" style={{ wordBreak: 'break-all' }}>
                      {o.value}
                    </Table.Td>
                    <Table.Td style={{ wordBreak: 'break-word' }}>{foundIn(o.source)}</Table.Td>
                    <Table.Td>
                      {o.sharedIndicatorId ? (
                        <Anchor component={Link} to={`/infrastructure/intel/objects/${encodeURIComponent(o.sharedIndicatorId)}`} fz="sm">
                          <TlpBadge tlp={(o.sharedTlp ?? 'AMBER') as Tlp} /> indicator
                        </Anchor>
                      ) : (
                        'Not shared'
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
        {responder && selectable.length ? (
          <Group align="flex-end" gap="sm">
            <Select label="Share at" data={SHARE_TLPS.map((t) => ({ value: t, label: `TLP:${t}` }))} value={tlp} onChange={(v) => setTlp((v ?? 'AMBER') as Tlp)} allowDeselect={false} w={180} comboboxProps={{ withinPortal: true }} />
            <Button onClick={() => void share()} disabled={!selected.length} loading={busy}>
              Share {selected.length ? plural(selected.length, 'indicator') : 'as indicators'}
            </Button>
          </Group>
        ) : null}
        <ErrorAlert error={error} title="Nothing was shared" />
        {rejected.length ? <ErrorAlert error={`Some were not shared: ${rejected.join('; ')}`} title="Partly shared" /> : null}
      </Stack>
    </Section>
  );
}

function Attachments({ i, mayAttach }: { i: Incident; mayAttach: boolean }) {
  const qc = useQueryClient();
  const announce = useAnnounce();
  const list = useQuery({ queryKey: ['incident', i.id, 'attachments'], queryFn: () => call(api.GET('/api/incidents/{id}/attachments', { params: { path: { id: i.id } } })) });
  const added = (a: Attachment) => {
    announce(`${a.filename} attached`);
    void qc.invalidateQueries({ queryKey: ['incident', i.id], predicate: (q) => q.queryKey.length > 2 });
  };
  return (
    <Section id="attachments-title" title="Files">
      <Stack gap="md">
        {list.data ? <AttachmentTable incidentId={i.id} items={list.data.items} /> : <Loading label="Loading files" />}
        {mayAttach && i.status !== 'closed' ? <AttachmentDrop ensureIncident={() => Promise.resolve(i.id)} onUploaded={added} label="Add files" /> : null}
      </Stack>
    </Section>
  );
}

function Related({ i }: { i: Incident }) {
  const r = useQuery({ queryKey: ['incident', i.id, 'related'], queryFn: () => call(api.GET('/api/incidents/{id}/related', { params: { path: { id: i.id } } })) });
  return (
    <Section id="related-title" title="Related incidents">
      {r.data && !r.data.items.length ? <Text fz="sm" c="dimmed">No other incident you can see shares an address, domain or hash with this one.</Text> : null}
      <Stack gap="xs">
        {r.data?.items.map((x) => (
          <div key={x.id}>
            <Group gap="sm">
              <Anchor component={Link} to={incidentPath(x.id)} fw={600}>
                #{x.ref} {x.title}
              </Anchor>
              <StatusPill status={x.status} />
            </Group>
            <Text fz="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
              Shares {x.shared.map((s) => s.value).join(', ')}
            </Text>
          </div>
        ))}
      </Stack>
    </Section>
  );
}

function Escalation({ i, ownOrg, hubAnalyst }: { i: Incident; ownOrg: boolean; hubAnalyst: boolean }) {
  const refresh = useRefresh(i.id);
  const announce = useAnnounce();
  const list = useQuery({ queryKey: ['incident', i.id, 'escalations'], queryFn: () => call(api.GET('/api/incidents/{id}/escalations', { params: { path: { id: i.id } } })) });
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState(`${label(TYPE_LABELS, i.incidentType)} affecting a ${i.jurisdictionFips && i.jurisdictionFips.length > 2 ? 'county' : 'state'} election office`);
  const [summary, setSummary] = useState('');
  const [fields, setFields] = useState<string[]>(['incidentType', 'electionSystems', 'electionPhase', 'priority', 'jurisdictionFips']);
  const [recipients, setRecipients] = useState<{ id: string; label: string }[]>([]);
  const [tlp, setTlp] = useState<Tlp>('AMBER+STRICT');
  const [busy, setBusy] = useState(false);
  const consent = async (value: boolean) => {
    setError(null);
    try {
      const r = await call(api.POST('/api/incidents/{id}/consent', { params: { path: { id: i.id } }, body: { consent: value } }));
      refresh(r);
      announce(value ? 'Consent given' : 'Consent withdrawn');
    } catch (e) {
      setError(e);
    }
  };
  const escalate = async () => {
    setBusy(true);
    setError(null);
    try {
      await call(api.POST('/api/incidents/{id}/escalations', { params: { path: { id: i.id } }, body: { title, summary, fields: fields as EscalationField[], recipientOrgIds: recipients.map((r) => r.id), tlp: tlp as 'GREEN' } }));
      setOpen(false);
      setSummary('');
      setRecipients([]);
      refresh();
      announce('Sanitised version sent to the partners');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section id="escalation-title" title="Escalation to partners">
      <Stack gap="sm">
        <Text fz="sm">
          {i.consentToShare ? `The reporting office agreed${i.consentAt ? ` on ${fmtDateTime(i.consentAt)}` : ''} that the hub may send a sanitised version (no names, no raw files) to named partners such as the state, CISA or the FBI.` : 'The hub may send a sanitised version (no names, no raw files) to partners such as the state, CISA or the FBI only if the reporting office agrees.'}
        </Text>
        {ownOrg ? (
          i.consentToShare ? (
            <Button variant="default" onClick={() => void consent(false)} w="fit-content">
              Withdraw consent
            </Button>
          ) : (
            <Button variant="default" onClick={() => void consent(true)} w="fit-content">
              Agree to a sanitised version
            </Button>
          )
        ) : null}
        {hubAnalyst && i.consentToShare && !open ? (
          <Button onClick={() => setOpen(true)} w="fit-content">
            Prepare a sanitised version
          </Button>
        ) : null}
        {hubAnalyst && !i.consentToShare ? (
          <Text fz="sm" c="dimmed">
            Waiting for the reporting office’s consent.
          </Text>
        ) : null}
        {open ? (
          <Stack gap="sm">
            <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={fieldError(error, 'body.title')} />
            <Textarea label="Summary" description="Write it for the partner: what happened and what to watch for. Leave out names and local details." required autosize minRows={3} value={summary} onChange={(e) => setSummary(e.currentTarget.value)} error={fieldError(error, 'body.summary')} />
            <Checkbox.Group label="Include these details" value={fields} onChange={setFields}>
              <SimpleGrid cols={2} spacing={4} mt={4}>
                {ESCALATION_FIELDS.map((f) => (
                  <Checkbox key={f.value} value={f.value} label={f.label} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <RemoteSelect
              label="Send to"
              required
              placeholder="Search organisations"
              queryKey="incident-escalation-orgs"
              search={async (q) => (await call(api.GET('/api/organisations', { params: { query: { q: q || undefined, pageSize: 20 } } }))).items.map((o) => ({ value: o.id, label: o.name }))}
              value={null}
              onChange={(rid, l) => {
                if (rid && !recipients.some((r) => r.id === rid)) setRecipients([...recipients, { id: rid, label: l ?? rid }]);
              }}
              error={fieldError(error, 'body.recipientOrgIds')}
              comboboxProps={{ withinPortal: true }}
            />
            {recipients.length ? (
              <Group gap="xs" role="list" aria-label="Partners">
                {recipients.map((r) => (
                  <span role="listitem" key={r.id} className="tag" style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
                    {r.label}
                    <button type="button" className="chip-remove" aria-label={`Remove ${r.label}`} onClick={() => setRecipients(recipients.filter((x) => x.id !== r.id))}>
                      ×
                    </button>
                  </span>
                ))}
              </Group>
            ) : null}
            <Select label="Marking" data={(['AMBER+STRICT', 'AMBER', 'GREEN'] as Tlp[]).map((t) => ({ value: t, label: `TLP:${t}` }))} value={tlp} onChange={(v) => setTlp((v ?? 'AMBER+STRICT') as Tlp)} allowDeselect={false} comboboxProps={{ withinPortal: true }} />
            <Group gap="sm">
              <Button onClick={() => void escalate()} loading={busy} disabled={!recipients.length || !summary.trim()}>
                Send to partners
              </Button>
              <Button variant="default" onClick={() => setOpen(false)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        ) : null}
        <ErrorAlert error={error} title="That did not work" shownInline={['body.title', 'body.summary', 'body.recipientOrgIds']} />
        {list.data?.items.length ? (
          <Stack gap={4}>
            <Text fw={600} fz="sm">
              Sent
            </Text>
            {list.data.items.map((e) => (
              <Text key={e.id} fz="sm">
                {e.title} · {fmtDateTime(e.createdAt)} · to {plural(e.sharing.recipientOrgIds.length, 'organisation')} <TlpBadge tlp={e.sharing.tlp} />
              </Text>
            ))}
          </Stack>
        ) : null}
      </Stack>
    </Section>
  );
}
