import { Alert, Anchor, Button, Checkbox, Group, Paper, Radio, Select, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { api, ApiError, call, fieldError } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { RemoteSelect } from '../../components/RemoteSelect';
import { TlpBadge } from '../../components/TlpBadge';
import { useCurrentMe } from '../../session';
import type { Tlp } from '../../theme';
import {
  ACTIVITY, ACTIVITY_LABELS, FUNCTIONAL, FUNCTIONAL_LABELS, INCIDENTS_BASE, incidentPath, INFORMATION, INFORMATION_LABELS, options, PHASES, PHASE_LABELS, RECOVERY, RECOVERY_LABELS, REPORT_TLP_MEANING, REPORT_TLPS,
  reportPath, SYSTEMS, SYSTEM_LABELS, TYPES, TYPE_LABELS, VECTORS, VECTOR_LABELS, type Attachment, type DraftBody, type Incident,
  toIso, toLocal,
} from './incidents';
import { AttachmentDrop, AttachmentTable } from './parts';
import '../intel/intel.css';

interface Form {
  title: string;
  incidentType: string | null;
  whatHappened: string;
  detectedAt: string;
  occurredAt: string;
  electionSystems: string[];
  electionPhase: string | null;
  affectedSystems: string;
  functionalImpact: string | null;
  informationImpact: string | null;
  recoverability: string | null;
  attackVector: string | null;
  observedActivity: string | null;
  tlp: Tlp;
  hub: boolean;
  state: boolean;
  partners: { id: string; label: string }[];
}
const EMPTY: Form = {
  title: '', incidentType: null, whatHappened: '', detectedAt: '', occurredAt: '', electionSystems: [], electionPhase: null, affectedSystems: '',
  functionalImpact: null, informationImpact: null, recoverability: null, attackVector: null, observedActivity: null, tlp: 'AMBER+STRICT', hub: true, state: false, partners: [],
};

const STEPS = [
  { title: 'What happened', fields: ['title', 'incidentType', 'whatHappened', 'detectedAt', 'occurredAt'] },
  { title: 'Election systems', fields: ['electionSystems', 'electionPhase', 'affectedSystems'] },
  { title: 'Impact', fields: ['functionalImpact', 'informationImpact', 'recoverability', 'attackVector', 'observedActivity'] },
  { title: 'Files', fields: [] },
  { title: 'Who may see it', fields: ['sharing', 'sharing.tlp', 'sharing.recipientOrgIds'] },
  { title: 'Review and submit', fields: [] },
] as const;
const FIELD_LABELS: Record<string, string> = {
  title: 'Short title', incidentType: 'Kind of incident', whatHappened: 'What happened', detectedAt: 'When you noticed it', occurredAt: 'When it started',
  electionSystems: 'Election systems affected', electionPhase: 'Election phase', affectedSystems: 'Affected computers, accounts or sites',
  functionalImpact: 'Effect on your operations', informationImpact: 'Effect on information', recoverability: 'Recovery', attackVector: 'How it started', observedActivity: 'What the attacker did',
};
const stepOf = (path: string) => STEPS.findIndex((s) => (s.fields as readonly string[]).includes(path.replace(/^body\./, '')));


function bodyOf(f: Form): DraftBody {
  return {
    title: f.title,
    incidentType: (f.incidentType ?? undefined) as DraftBody['incidentType'],
    whatHappened: f.whatHappened,
    detectedAt: toIso(f.detectedAt),
    occurredAt: f.occurredAt ? toIso(f.occurredAt) : null,
    electionSystems: f.electionSystems as DraftBody['electionSystems'],
    electionPhase: (f.electionPhase ?? undefined) as DraftBody['electionPhase'],
    affectedSystems: f.affectedSystems,
    functionalImpact: (f.functionalImpact ?? undefined) as DraftBody['functionalImpact'],
    informationImpact: (f.informationImpact ?? undefined) as DraftBody['informationImpact'],
    recoverability: (f.recoverability ?? undefined) as DraftBody['recoverability'],
    attackVector: (f.attackVector ?? undefined) as DraftBody['attackVector'],
    observedActivity: (f.observedActivity ?? undefined) as DraftBody['observedActivity'],
    sharing: { tlp: f.tlp, hub: f.hub, state: f.state, recipientOrgIds: f.partners.map((p) => p.id), recipientUserIds: [], communityIds: [] },
  };
}

type SaveState = { state: 'idle' } | { state: 'saving' } | { state: 'saved'; at: Date } | { state: 'error'; error: unknown };

/** Report an incident: six short steps, autosaved as a draft, submitted to the hub (and whoever else the reporter chooses). */
export function IncidentReportPage() {
  const { id: routeId } = useParams();
  const me = useCurrentMe();
  const navigate = useNavigate();
  const announce = useAnnounce();
  const qc = useQueryClient();
  const myOrg = useQuery({
    queryKey: ['org', me.currentOrgId],
    enabled: !!me.currentOrgId,
    queryFn: () => call(api.GET('/api/organisations/{id}', { params: { path: { id: me.currentOrgId! } } })),
    staleTime: 60_000,
  });
  const existing = useQuery({
    queryKey: ['incident', routeId],
    enabled: !!routeId,
    queryFn: () => call(api.GET('/api/incidents/{id}', { params: { path: { id: routeId! } } })),
    staleTime: Infinity,
  });

  const [form, setForm] = useState<Form>(EMPTY);
  const [loaded, setLoaded] = useState(!routeId);
  const [step, setStep] = useState(0);
  const [save, setSave] = useState<SaveState>({ state: 'idle' });
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const version = useRef(0);
  const idRef = useRef<string | undefined>(routeId);
  const formRef = useRef(form);
  formRef.current = form;
  const saving = useRef<Promise<string> | null>(null);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const leaving = useRef(false);

  // Resume a draft: its fields, and its recipients split back into hub / my state / named partners.
  useEffect(() => {
    const inc = existing.data;
    if (!inc || loaded || !myOrg.data) return;
    void (async () => {
      const recipients = await Promise.all(inc.sharing.recipientOrgIds.map((id) => call(api.GET('/api/organisations/{id}', { params: { path: { id } } })).catch(() => null)));
      const known = recipients.filter((r): r is NonNullable<typeof r> => !!r);
      const atts = await call(api.GET('/api/incidents/{id}/attachments', { params: { path: { id: inc.id } } })).catch(() => ({ items: [] as Attachment[] }));
      setAttachments(atts.items);
      setForm({
        title: inc.title,
        incidentType: inc.incidentType,
        whatHappened: inc.whatHappened,
        detectedAt: toLocal(inc.detectedAt),
        occurredAt: toLocal(inc.occurredAt),
        electionSystems: inc.electionSystems,
        electionPhase: inc.electionPhase,
        affectedSystems: inc.affectedSystems,
        functionalImpact: inc.functionalImpact,
        informationImpact: inc.informationImpact,
        recoverability: inc.recoverability,
        attackVector: inc.attackVector,
        observedActivity: inc.observedActivity,
        tlp: inc.sharing.tlp,
        hub: known.some((o) => o.kind === 'national_hub'),
        state: known.some((o) => o.id === myOrg.data.parentId),
        partners: known.filter((o) => o.kind !== 'national_hub' && o.id !== myOrg.data.parentId).map((o) => ({ id: o.id, label: o.name })),
      });
      setSave({ state: 'saved', at: new Date(inc.updatedAt) });
      setLoaded(true);
    })();
  }, [existing.data, loaded, myOrg.data]);

  /** Saves the form now (creating the draft the first time); resolves to the draft's id. */
  const persist = useCallback(async (): Promise<string> => {
    while (saving.current) await saving.current.catch(() => {});
    const v = version.current;
    const run = (async () => {
      setSave({ state: 'saving' });
      const body = bodyOf(formRef.current);
      let inc: Incident;
      if (!idRef.current) {
        inc = await call(api.POST('/api/incidents', { body }));
        idRef.current = inc.id;
        void navigate(reportPath(inc.id), { replace: true });
        void qc.invalidateQueries({ queryKey: ['incidents'] });
      } else {
        inc = await call(api.PATCH('/api/incidents/{id}', { params: { path: { id: idRef.current } }, body }));
      }
      qc.setQueryData(['incident', inc.id], inc);
      if (version.current === v) setSave({ state: 'saved', at: new Date() });
      return inc.id;
    })();
    saving.current = run;
    try {
      return await run;
    } catch (e) {
      setSave({ state: 'error', error: e });
      throw e;
    } finally {
      if (saving.current === run) saving.current = null;
    }
  }, [navigate, qc]);

  // Debounced autosave: a second after the last change.
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    if (!changes) return;
    const t = setTimeout(() => void persist().catch(() => {}), 1000);
    return () => clearTimeout(t);
  }, [changes, persist]);

  const update = (p: Partial<Form>) => {
    setForm((f) => ({ ...f, ...p }));
    formRef.current = { ...formRef.current, ...p };
    version.current += 1;
    setChanges((n) => n + 1);
    setSubmitError(null);
  };
  const go = (n: number) => {
    setStep(n);
    setTimeout(() => stepHeading.current?.focus(), 0);
  };

  const submit = async () => {
    setSubmitError(null);
    setSubmitting(true);
    try {
      const id = await persist();
      const inc = await call(api.POST('/api/incidents/{id}/submit', { params: { path: { id } } }));
      // Leave the form first (with the "reported" note), then update the cache the case page reads.
      leaving.current = true;
      void navigate(incidentPath(id), { state: { justReported: true } });
      qc.setQueryData(['incident', id], inc);
      void qc.invalidateQueries({ queryKey: ['incidents'] });
      announce(`Incident #${inc.ref} reported. The hub has it.`);
    } catch (e) {
      setSubmitError(e);
    } finally {
      setSubmitting(false);
    }
  };

  if (routeId && existing.error) {
    return (
      <Page title="Report not found" crumbs={[{ label: 'Incidents', to: INCIDENTS_BASE }]}>
        <ErrorAlert error={existing.error} title="This draft could not be opened" />
        <Button component={Link} to={reportPath()} w="fit-content">
          Start a new report
        </Button>
      </Page>
    );
  }
  if (existing.data && existing.data.status !== 'draft' && !leaving.current) return <Navigate to={incidentPath(existing.data.id)} replace />;
  if (!loaded) return <Loading label="Opening your draft" />;

  // Errors from the last save or submit, by field.
  const errorSource = submitError ?? (save.state === 'error' ? save.error : null);
  const err = (f: string) => fieldError(errorSource, `body.${f}`);
  const problemPaths = errorSource instanceof ApiError ? errorSource.problems.map((p) => p.path) : [];
  const stepHasError = (i: number) => problemPaths.some((p) => stepOf(p) === i);
  const parent = myOrg.data?.parentName;

  return (
    <Page
      title="Report an incident"
      crumbs={[
        { label: 'Election infrastructure', to: '/infrastructure' },
        { label: 'Incidents', to: INCIDENTS_BASE },
      ]}
      lead="Tell the hub what happened. Answer what you know now — “not known yet” is a fine answer — and add details later in the case. Your answers are saved as a draft as you type."
    >
      <Group justify="space-between" align="center" wrap="wrap" gap="sm">
        <nav aria-label="Report steps">
          <ol className="inc-steps">
            {STEPS.map((s, i) => (
              <li key={s.title}>
                <button type="button" aria-current={i === step ? 'step' : undefined} data-error={stepHasError(i)} onClick={() => go(i)}>
                  <span className="num" aria-hidden="true">
                    {i + 1}
                  </span>
                  {s.title}
                  {stepHasError(i) ? <span style={{ position: 'absolute', left: -10000 }}> (needs an answer)</span> : null}
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <div className="inc-saved" role="status" aria-live="polite" data-testid="save-state">
          {save.state === 'saving' ? 'Saving…' : save.state === 'saved' ? `Draft saved ${save.at.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}` : save.state === 'error' ? (
            <Text span c="#a61e1e" fz="sm" fw={600}>
              Not saved.{' '}
              <Anchor component="button" type="button" fz="sm" onClick={() => void persist().catch(() => {})}>
                Try again
              </Anchor>
            </Text>
          ) : 'Not saved yet'}
        </div>
      </Group>

      {save.state === 'error' && !(save.error instanceof ApiError && save.error.problems.length) ? <ErrorAlert error={save.error} title="Your latest changes are not saved yet" /> : null}

      <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="step-title">
        <Title order={2} fz="lg" mb="md" id="step-title" ref={stepHeading} tabIndex={-1}>
          Step {step + 1} of {STEPS.length}: {STEPS[step]!.title}
        </Title>

        {step === 0 ? (
          <Stack gap="md" maw={760}>
            <TextInput label="Short title" description="A few words a colleague would recognise, e.g. “Phishing emails to poll-worker coordinators”." required value={form.title} onChange={(e) => update({ title: e.currentTarget.value })} error={err('title')} maxLength={300} />
            <Select label="Kind of incident" description="Your best guess; the hub can change it." placeholder="Choose one" data={options(TYPES)} value={form.incidentType} onChange={(v) => update({ incidentType: v })} error={err('incidentType')} clearable />
            <Textarea label="What happened" description="What you saw, in your own words: messages, addresses, screens, who noticed." required autosize minRows={5} maxRows={16} value={form.whatHappened} onChange={(e) => update({ whatHappened: e.currentTarget.value })} error={err('whatHappened')} />
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <div>
                <TextInput label="When you noticed it" type="datetime-local" required value={form.detectedAt} onChange={(e) => update({ detectedAt: e.currentTarget.value })} error={err('detectedAt')} description="Your local time." />
                <Anchor component="button" type="button" fz="sm" mt={4} onClick={() => update({ detectedAt: toLocal(new Date().toISOString()) })}>
                  Use the current time
                </Anchor>
              </div>
              <TextInput label="When it started (if known)" type="datetime-local" value={form.occurredAt} onChange={(e) => update({ occurredAt: e.currentTarget.value })} error={err('occurredAt')} description="Leave empty if you do not know." />
            </SimpleGrid>
          </Stack>
        ) : null}

        {step === 1 ? (
          <Stack gap="lg" maw={760}>
            <Checkbox.Group label="Election systems affected" description="Choose every one that is involved." required value={form.electionSystems} onChange={(v) => update({ electionSystems: v })} error={err('electionSystems')}>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing={8} mt="xs">
                {SYSTEMS.map((s) => (
                  <Checkbox key={s.value} value={s.value} label={s.label} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <Radio.Group label="Election phase" description="Where you are in the election calendar." required value={form.electionPhase ?? ''} onChange={(v) => update({ electionPhase: v })} error={err('electionPhase')}>
              <Group gap="lg" mt="xs">
                {PHASES.map((p) => (
                  <Radio key={p.value} value={p.value} label={p.label} />
                ))}
              </Group>
            </Radio.Group>
            <Textarea label="Affected computers, accounts or sites" description="Names, addresses or descriptions, e.g. “results.county.gov”, “two staff mailboxes”." autosize minRows={2} maxRows={8} value={form.affectedSystems} onChange={(e) => update({ affectedSystems: e.currentTarget.value })} error={err('affectedSystems')} />
          </Stack>
        ) : null}

        {step === 2 ? (
          <Stack gap="lg" maw={760}>
            <Select label="Effect on your operations" required placeholder="Choose one" data={FUNCTIONAL.map((o) => ({ value: o.value, label: `${o.label} — ${o.hint}` }))} value={form.functionalImpact} onChange={(v) => update({ functionalImpact: v })} error={err('functionalImpact')} />
            <Select label="Effect on information" required placeholder="Choose one" data={INFORMATION.map((o) => ({ value: o.value, label: o.hint ? `${o.label} — ${o.hint}` : o.label }))} value={form.informationImpact} onChange={(v) => update({ informationImpact: v })} error={err('informationImpact')} />
            <Radio.Group label="Recovery" description="What it takes to get back to normal." required value={form.recoverability ?? ''} onChange={(v) => update({ recoverability: v })} error={err('recoverability')}>
              <Stack gap={8} mt="xs">
                {RECOVERY.map((o) => (
                  <Radio key={o.value} value={o.value} label={o.label} />
                ))}
              </Stack>
            </Radio.Group>
            <Select label="How it started" description="The attack vector. “Not known yet” is fine." required placeholder="Choose one" data={options(VECTORS)} value={form.attackVector} onChange={(v) => update({ attackVector: v })} error={err('attackVector')} />
            <Radio.Group label="What the attacker did" description="The furthest stage you have seen." value={form.observedActivity ?? ''} onChange={(v) => update({ observedActivity: v })} error={err('observedActivity')}>
              <Stack gap={8} mt="xs">
                {ACTIVITY.map((o) => (
                  <Radio key={o.value} value={o.value} label={o.label} />
                ))}
              </Stack>
            </Radio.Group>
          </Stack>
        ) : null}

        {step === 3 ? (
          <Stack gap="md" maw={760}>
            <Text fz="sm">Screenshots, log files and suspicious emails (saved as .eml) help the hub most. Addresses and hashes in text files are picked out automatically.</Text>
            <AttachmentDrop ensureIncident={persist} onUploaded={(a) => {
              setAttachments((x) => [...x, a]);
              announce(`${a.filename} attached`);
            }} />
            <AttachmentTable incidentId={idRef.current ?? ''} items={attachments} />
          </Stack>
        ) : null}

        {step === 4 ? (
          <Stack gap="lg" maw={760}>
            <Stack gap={6}>
              <Text fw={600} fz="sm">
                Send it to
              </Text>
              <Checkbox label="The national hub (EI-ISAC analysts who respond)" description="Recommended: the hub triages every report and can help right away." checked={form.hub} onChange={(e) => update({ hub: e.currentTarget.checked })} />
              {parent ? <Checkbox label={`My state: ${parent}`} description="Your state election office sees it and can coordinate across counties." checked={form.state} onChange={(e) => update({ state: e.currentTarget.checked })} /> : null}
              <RemoteSelect
                label="Named partners"
                description="Other organisations that should see it, e.g. your IT vendor or a neighbouring county."
                placeholder="Search organisations"
                queryKey="incident-partner-orgs"
                search={async (q) => (await call(api.GET('/api/organisations', { params: { query: { q: q || undefined, pageSize: 20 } } }))).items.filter((o) => o.id !== me.currentOrgId).map((o) => ({ value: o.id, label: o.name }))}
                value={null}
                onChange={(id, label) => {
                  if (id && !form.partners.some((p) => p.id === id)) update({ partners: [...form.partners, { id, label: label ?? id }] });
                }}
                error={err('sharing.recipientOrgIds')}
              />
              {form.partners.length ? (
                <Group gap="xs" role="list" aria-label="Named partners">
                  {form.partners.map((p) => (
                    <span role="listitem" key={p.id} className="tag" style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
                      {p.label}
                      <button type="button" className="chip-remove" aria-label={`Remove ${p.label}`} onClick={() => update({ partners: form.partners.filter((x) => x.id !== p.id) })}>
                        ×
                      </button>
                    </span>
                  ))}
                </Group>
              ) : null}
              {!form.hub && !form.state && !form.partners.length ? (
                <Alert color="yellow" variant="light" title="Nobody else will see this report">
                  Only your own office will see it. Choose the hub if you want help.
                </Alert>
              ) : null}
            </Stack>
            <Radio.Group label="How widely it may be passed on (TLP)" description="The Traffic Light Protocol marking travels with the report." required value={form.tlp} onChange={(v) => update({ tlp: v as Tlp })} error={err('sharing.tlp')}>
              <Stack gap={8} mt="xs">
                {REPORT_TLPS.map((t) => (
                  <Radio key={t} value={t} label={<Group gap={8} wrap="nowrap" align="baseline"><TlpBadge tlp={t} /><span>{REPORT_TLP_MEANING[t]}</span></Group>} />
                ))}
              </Stack>
            </Radio.Group>
          </Stack>
        ) : null}

        {step === 5 ? <Review form={form} attachments={attachments} parent={parent ?? null} go={go} /> : null}
      </Paper>

      {submitError ? (
        submitError instanceof ApiError && submitError.problems.length ? (
          <Alert color="red" variant="light" title="A few answers are missing" role="alert" data-testid="submit-problems">
            <Stack gap={4}>
              {submitError.problems.map((p) => {
                const f = p.path.replace(/^body\./, '');
                const s = stepOf(p.path);
                return (
                  <Text key={p.path} fz="sm">
                    {s >= 0 ? (
                      <Anchor component="button" type="button" fz="sm" onClick={() => go(s)}>
                        {FIELD_LABELS[f] ?? f} (step {s + 1})
                      </Anchor>
                    ) : (
                      FIELD_LABELS[f] ?? f
                    )}
                    : {p.message}
                  </Text>
                );
              })}
            </Stack>
          </Alert>
        ) : (
          <ErrorAlert error={submitError} title="The report was not submitted" />
        )
      ) : null}

      <Group justify="space-between">
        <Group>
          {step > 0 ? (
            <Button variant="default" onClick={() => go(step - 1)}>
              Back
            </Button>
          ) : null}
          {step < STEPS.length - 1 ? <Button onClick={() => go(step + 1)}>Next: {STEPS[step + 1]!.title}</Button> : (
            <Button onClick={() => void submit()} loading={submitting}>
              Submit the report
            </Button>
          )}
        </Group>
        <Button variant="subtle" component={Link} to={INCIDENTS_BASE}>
          {idRef.current ? 'Finish later (the draft is kept)' : 'Cancel'}
        </Button>
      </Group>
    </Page>
  );
}

function Review({ form, attachments, parent, go }: { form: Form; attachments: Attachment[]; parent: string | null; go: (n: number) => void }) {
  const or = (v: string | null | undefined, labels?: Record<string, string>) => (v ? (labels?.[v] ?? v) : <Text span c="dimmed">Not answered</Text>);
  const when = (v: string) => (v ? new Date(v).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : null);
  const sections: { step: number; rows: [string, React.ReactNode][] }[] = [
    { step: 0, rows: [['Short title', or(form.title)], ['Kind of incident', or(form.incidentType, TYPE_LABELS)], ['What happened', form.whatHappened ? <span style={{ whiteSpace: 'pre-wrap' }}>{form.whatHappened}</span> : or('')], ['When you noticed it', or(when(form.detectedAt))], ['When it started', or(when(form.occurredAt))]] },
    { step: 1, rows: [['Election systems', form.electionSystems.length ? form.electionSystems.map((s) => SYSTEM_LABELS[s as keyof typeof SYSTEM_LABELS] ?? s).join(', ') : or('')], ['Election phase', or(form.electionPhase, PHASE_LABELS)], ['Affected', or(form.affectedSystems)]] },
    { step: 2, rows: [['Effect on operations', or(form.functionalImpact, FUNCTIONAL_LABELS)], ['Effect on information', or(form.informationImpact, INFORMATION_LABELS)], ['Recovery', or(form.recoverability, RECOVERY_LABELS)], ['How it started', or(form.attackVector, VECTOR_LABELS)], ['What the attacker did', or(form.observedActivity, ACTIVITY_LABELS)]] },
    { step: 3, rows: [['Files', attachments.length ? attachments.map((a) => a.filename).join(', ') : 'None']] },
    { step: 4, rows: [['Sent to', [form.hub ? 'the national hub' : null, form.state && parent ? parent : null, ...form.partners.map((p) => p.label)].filter(Boolean).join(', ') || 'Only your office'], ['Marking', <TlpBadge key="t" tlp={form.tlp} />]] },
  ];
  return (
    <Stack gap="md">
      <Text fz="sm">Check your answers. After you submit, the report goes to the people above and the hub’s clock starts: it aims to triage every report within an hour.</Text>
      {sections.map((s) => (
        <div key={s.step}>
          <Group justify="space-between" mb={4}>
            <Title order={3} fz="md">
              {STEPS[s.step]!.title}
            </Title>
            <Anchor component="button" type="button" fz="sm" onClick={() => go(s.step)}>
              Change<span style={{ position: 'absolute', left: -10000 }}> {STEPS[s.step]!.title}</span>
            </Anchor>
          </Group>
          <dl className="intel-dl inc-review">
            {s.rows.map(([k, v]) => (
              <div key={k} style={{ display: 'contents' }}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </div>
      ))}
    </Stack>
  );
}
