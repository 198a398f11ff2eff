import { Button, Card, Checkbox, Fieldset, Grid, Group, MultiSelect, Select, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, ApiError, call, fieldError, type Org, type OrgInput, type OrgKind } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { RemoteSelect } from '../../components/RemoteSelect';
import { KIND_LABELS, KIND_OPTIONS } from './labels';
import { useCommunities } from './queries';

interface ContactDraft {
  key: number;
  name: string;
  role: string;
  phone: string;
  email: string;
  is24x7: boolean;
}
let nextKey = 1;
const blankContact = (): ContactDraft => ({ key: nextKey++, name: '', role: '', phone: '', email: '', is24x7: true });

const searchOrgs = async (q: string) => (await call(api.GET('/api/organisations', { params: { query: { q: q || undefined, pageSize: 20 } } }))).items.map((o) => ({ value: o.id, label: `${o.name} — ${KIND_LABELS[o.kind]}` }));
const searchJurisdictions = async (q: string) =>
  (await call(api.GET('/api/jurisdictions', { params: { query: { q: q || undefined, pageSize: 30 } } }))).items.map((j) => ({ value: j.fips, label: j.stateName && j.kind === 'county' ? `${j.name}, ${j.stateName}` : j.name }));

/** Create or edit an organisation with its contacts and communities. */
export function OrgFormPage() {
  const { id } = useParams();
  const existing = useQuery({ queryKey: ['org', id], queryFn: () => call(api.GET('/api/organisations/{id}', { params: { path: { id: id! } } })), enabled: !!id });
  if (id && existing.isPending) return <Page title="Edit organisation"><Loading /></Page>;
  if (id && existing.error) return <Page title="Edit organisation"><ErrorAlert error={existing.error} /></Page>;
  return <OrgForm key={id ?? 'new'} org={existing.data} />;
}

function OrgForm({ org }: { org?: Org }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const announce = useAnnounce();
  const communities = useCommunities();
  const [name, setName] = useState(org?.name ?? '');
  const [kind, setKind] = useState<OrgKind | null>(org?.kind ?? null);
  const [parentId, setParentId] = useState<string | null>(org?.parentId ?? null);
  const [fips, setFips] = useState<string | null>(org?.jurisdictionFips ?? null);
  const [website, setWebsite] = useState(org?.website ?? '');
  const [description, setDescription] = useState(org?.description ?? '');
  const [communityIds, setCommunityIds] = useState<string[]>(org?.communities.map((c) => c.id) ?? []);
  const [contacts, setContacts] = useState<ContactDraft[]>(org ? org.contacts.map((c) => ({ key: nextKey++, name: c.name, role: c.role, phone: c.phone, email: c.email, is24x7: c.is24x7 })) : [blankContact()]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [kindMissing, setKindMissing] = useState(false);

  useEffect(() => {
    if (error instanceof ApiError) document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);

  const setContact = (key: number, patch: Partial<ContactDraft>) => setContacts((cs) => cs.map((c) => (c.key === key ? { ...c, ...patch } : c)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!kind) {
      setKindMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    // A contact row left entirely blank is dropped rather than refused.
    const filled = contacts.filter((c) => c.name.trim() || c.phone.trim() || c.email.trim() || c.role.trim());
    const body: OrgInput = {
      name: name.trim(),
      kind,
      parentId,
      jurisdictionFips: fips,
      website: website.trim() || null,
      description,
      contacts: filled.map(({ name: n, role, phone, email, is24x7 }) => ({ name: n.trim(), role: role.trim(), phone: phone.trim(), email: email.trim(), is24x7 })),
      communityIds,
    };
    try {
      const saved = org
        ? await call(api.PATCH('/api/organisations/{id}', { params: { path: { id: org.id } }, body }))
        : await call(api.POST('/api/organisations', { body }));
      await qc.invalidateQueries({ queryKey: ['orgs'] });
      qc.setQueryData(['org', saved.id], saved);
      announce(org ? `Saved ${saved.name}` : `Created ${saved.name}`);
      void navigate(`/directory/organisations/${saved.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const f = (p: string) => fieldError(error, `body.${p}`);
  const contactPaths = contacts.flatMap((_, i) => ['name', 'role', 'phone', 'email'].map((k) => `body.contacts.${i}.${k}`));
  const inline = ['body.name', 'body.kind', 'body.parentId', 'body.jurisdictionFips', 'body.website', 'body.description', 'body.communityIds', ...contactPaths];
  const title = org ? `Edit ${org.name}` : 'New organisation';
  const back = org ? `/directory/organisations/${org.id}` : '/directory/organisations';

  return (
    <Page title={title} crumbs={[{ label: 'Organisations', to: '/directory/organisations' }, ...(org ? [{ label: org.name, to: back }] : [])]}>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label={title}>
        <Stack gap="lg" maw={900}>
          {error ? <ErrorAlert error={error} title="The organisation was not saved" shownInline={inline} /> : null}
          <Card withBorder radius="md" padding="lg">
            <Title order={2} fz="lg" mb="md">
              Organisation
            </Title>
            <Grid gap="md">
              <Grid.Col span={{ base: 12, sm: 7 }}>
                <TextInput label="Name" name="name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={f('name')} required />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 5 }}>
                <Select label="Kind" name="kind" data={KIND_OPTIONS} value={kind} onChange={(v) => { setKind(v as OrgKind | null); setKindMissing(false); }} error={f('kind') ?? (kindMissing ? 'Choose what kind of organisation this is' : undefined)} required allowDeselect={false} />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <RemoteSelect label="Part of (parent organisation)" description="For example, the state office a county office reports to." queryKey="org-picker" search={searchOrgs} value={parentId} valueLabel={org?.parentName} onChange={(v) => setParentId(v)} error={f('parentId')} clearable placeholder="None" />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <RemoteSelect label="Jurisdiction" description="The state or county it serves, if any." queryKey="jurisdiction-picker" search={searchJurisdictions} value={fips} valueLabel={org?.jurisdictionName} onChange={(v) => setFips(v)} error={f('jurisdictionFips')} clearable placeholder="None" />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <TextInput label="Website" name="website" type="url" placeholder="https://" value={website} onChange={(e) => setWebsite(e.currentTarget.value)} error={f('website')} />
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <MultiSelect label="Communities" description="Groups it shares information with." data={(communities.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))} value={communityIds} onChange={setCommunityIds} error={f('communityIds')} searchable clearable />
              </Grid.Col>
              <Grid.Col span={12}>
                <Textarea label="Description" name="description" autosize minRows={3} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={f('description')} />
              </Grid.Col>
            </Grid>
          </Card>

          <Card withBorder radius="md" padding="lg">
            <Group justify="space-between" mb="xs">
              <Title order={2} fz="lg">
                Contacts
              </Title>
              <Button variant="default" size="xs" onClick={() => setContacts((cs) => [...cs, blankContact()])}>
                Add contact
              </Button>
            </Group>
            <Text c="dimmed" fz="sm" mb="md">
              Who partners call during an incident. Mark the ones who answer around the clock as 24x7.
            </Text>
            <Stack gap="md">
              {contacts.length === 0 ? <Text c="dimmed">No contacts.</Text> : null}
              {contacts.map((c, i) => (
                <Fieldset key={c.key} legend={`Contact ${i + 1}`} radius="sm" p="sm">
                  <Grid gap="sm" align="flex-end">
                    <Grid.Col span={{ base: 12, sm: 6, md: 3 }}>
                      <TextInput label="Name" value={c.name} onChange={(e) => setContact(c.key, { name: e.currentTarget.value })} error={f(`contacts.${i}.name`)} required />
                    </Grid.Col>
                    <Grid.Col span={{ base: 12, sm: 6, md: 3 }}>
                      <TextInput label="Role" placeholder="e.g. Duty officer" value={c.role} onChange={(e) => setContact(c.key, { role: e.currentTarget.value })} error={f(`contacts.${i}.role`)} />
                    </Grid.Col>
                    <Grid.Col span={{ base: 12, sm: 6, md: 3 }}>
                      <TextInput label="Phone" type="tel" value={c.phone} onChange={(e) => setContact(c.key, { phone: e.currentTarget.value })} error={f(`contacts.${i}.phone`)} />
                    </Grid.Col>
                    <Grid.Col span={{ base: 12, sm: 6, md: 3 }}>
                      <TextInput label="Email" type="email" value={c.email} onChange={(e) => setContact(c.key, { email: e.currentTarget.value })} error={f(`contacts.${i}.email`)} />
                    </Grid.Col>
                  </Grid>
                  <Group justify="space-between" mt="sm">
                    <Checkbox label="Reachable 24x7" checked={c.is24x7} onChange={(e) => setContact(c.key, { is24x7: e.currentTarget.checked })} />
                    <Button variant="outline" color="#b02525" size="xs" onClick={() => setContacts((cs) => cs.filter((x) => x.key !== c.key))} aria-label={`Remove contact ${i + 1}${c.name ? ` (${c.name})` : ''}`}>
                      Remove
                    </Button>
                  </Group>
                </Fieldset>
              ))}
            </Stack>
          </Card>

          <Group>
            <Button type="submit" loading={busy}>
              {org ? 'Save changes' : 'Create organisation'}
            </Button>
            <Button variant="default" onClick={() => void navigate(back)}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
}
