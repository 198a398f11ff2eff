import { Anchor, Button, Card, Grid, Group, List, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, call } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDate } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { Tag } from '../../components/Tag';
import { isAdmin, useCurrentMe } from '../../session';
import { KIND_LABELS } from './labels';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text fz="xs" fw={700} tt="uppercase" c="dimmed" style={{ letterSpacing: '0.04em' }}>
        {label}
      </Text>
      <Text component="div">{children}</Text>
    </div>
  );
}

export function OrgDetailPage() {
  const { id = '' } = useParams();
  const me = useCurrentMe();
  const org = useQuery({ queryKey: ['org', id], queryFn: () => call(api.GET('/api/organisations/{id}', { params: { path: { id } } })) });
  const crumbs = [{ label: 'Organisations', to: '/directory/organisations' }];
  if (org.isPending) return <Page title="Organisation" crumbs={crumbs}><Loading label="Loading the organisation" /></Page>;
  if (org.error) return <Page title="Organisation" crumbs={crumbs}><ErrorAlert error={org.error} title="Could not load this organisation" /></Page>;
  const o = org.data;
  const on24x7 = o.contacts.filter((c) => c.is24x7);
  const others = o.contacts.filter((c) => !c.is24x7);
  const contactTable = (rows: typeof o.contacts, caption: string) => (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing="xs">
        <caption style={{ position: 'absolute', left: -10000 }}>{caption}</caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Phone</Table.Th>
            <Table.Th>Email</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td fw={600}>{c.name}</Table.Td>
              <Table.Td>{c.role || '—'}</Table.Td>
              <Table.Td>{c.phone ? <Anchor href={`tel:${c.phone.replace(/[^0-9+]/g, '')}`} style={{ whiteSpace: 'nowrap' }}>{c.phone}</Anchor> : '—'}</Table.Td>
              <Table.Td>{c.email ? <Anchor href={`mailto:${c.email}`}>{c.email}</Anchor> : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
  return (
    <Page
      title={o.name}
      crumbs={crumbs}
      lead={
        <Group gap="xs" component="span">
          <Tag>{KIND_LABELS[o.kind]}</Tag>
          {o.jurisdictionName ? <span>{o.jurisdictionName}</span> : null}
        </Group>
      }
      actions={isAdmin(me) ? <Button component={Link} to={`/directory/organisations/${o.id}/edit`}>Edit</Button> : null}
    >
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="lg">
            <Card withBorder radius="md" padding="lg">
              <Title order={2} fz="lg" mb="sm">
                24x7 contacts
              </Title>
              {on24x7.length ? contactTable(on24x7, '24x7 contacts') : <Text c="dimmed">No round-the-clock contact is recorded. {isAdmin(me) ? 'Add one so partners can reach this organisation during an incident.' : ''}</Text>}
              {others.length ? (
                <>
                  <Title order={3} fz="md" mt="lg" mb="xs">
                    Other contacts (office hours)
                  </Title>
                  {contactTable(others, 'Other contacts')}
                </>
              ) : null}
            </Card>
            <Card withBorder radius="md" padding="lg">
              <Title order={2} fz="lg" mb="sm">
                About
              </Title>
              <Stack gap="sm">
                {o.description ? <Text style={{ whiteSpace: 'pre-wrap' }}>{o.description}</Text> : <Text c="dimmed">No description.</Text>}
                <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="lg" verticalSpacing="md">
                  <Field label="Part of">{o.parentId ? <Anchor component={Link} to={`/directory/organisations/${o.parentId}`}>{o.parentName}</Anchor> : '—'}</Field>
                  <Field label="Jurisdiction">{o.jurisdictionName ? `${o.jurisdictionName} (FIPS ${o.jurisdictionFips})` : '—'}</Field>
                  <Field label="Website">{o.website ? <Anchor href={o.website} target="_blank" rel="noreferrer noopener">{o.website.replace(/^https?:\/\//, '')}</Anchor> : '—'}</Field>
                  <Field label="People">{o.memberCount}</Field>
                  <Field label="Added">{fmtDate(o.createdAt)}</Field>
                  <Field label="Last changed">{fmtDate(o.updatedAt)}</Field>
                </SimpleGrid>
              </Stack>
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="lg">
            <Card withBorder radius="md" padding="lg">
              <Title order={2} fz="lg" mb="sm">
                Communities
              </Title>
              {o.communities.length ? (
                <List spacing={4}>
                  {o.communities.map((c) => (
                    <List.Item key={c.id}>
                      <Anchor component={Link} to={`/directory/organisations?community=${c.id}`}>
                        {c.name}
                      </Anchor>
                    </List.Item>
                  ))}
                </List>
              ) : (
                <Text c="dimmed">Not in any community.</Text>
              )}
            </Card>
            <Card withBorder radius="md" padding="lg">
              <Title order={2} fz="lg" mb="sm">
                Organisations within
              </Title>
              {o.children.length ? (
                <List spacing={4}>
                  {o.children.map((c) => (
                    <List.Item key={c.id}>
                      <Anchor component={Link} to={`/directory/organisations/${c.id}`}>
                        {c.name}
                      </Anchor>{' '}
                      <Text span c="dimmed" fz="sm">
                        {KIND_LABELS[c.kind]}
                      </Text>
                    </List.Item>
                  ))}
                </List>
              ) : (
                <Text c="dimmed">None.</Text>
              )}
            </Card>
          </Stack>
        </Grid.Col>
      </Grid>
    </Page>
  );
}
