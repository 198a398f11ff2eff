import { Alert, Anchor, Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, call } from '../api';
import { ROLE_LABELS } from '../components/format';
import { Page } from '../components/Page';
import { isAdmin, useCurrentMe } from '../session';
import { KIND_LABELS } from '../modules/directory/labels';
import { LINES_OF_EFFORT } from './LinesOfEffort';

function Stat({ label, value, to }: { label: string; value: number | undefined; to: string }) {
  return (
    <Card withBorder padding="md" radius="md" component={Link} to={to} style={{ textDecoration: 'none' }}>
      <Text fz={28} fw={700} c="rampart.8">
        {value === undefined ? '…' : value.toLocaleString()}
      </Text>
      <Text c="dimmed" fz="sm">
        {label}
      </Text>
    </Card>
  );
}

export function Overview() {
  const me = useCurrentMe();
  const current = me.memberships.find((m) => m.orgId === me.currentOrgId);
  const orgs = useQuery({ queryKey: ['orgs', 'count'], queryFn: () => call(api.GET('/api/organisations', { params: { query: { pageSize: 1 } } })) });
  const communities = useQuery({ queryKey: ['communities'], queryFn: () => call(api.GET('/api/communities')) });
  const contacts = useQuery({ queryKey: ['orgs', 'count', 'officials'], queryFn: () => call(api.GET('/api/organisations', { params: { query: { pageSize: 1, kind: 'local_election_office' } } })) });

  return (
    <Page title="Overview" lead={current ? `Signed in as ${me.name}, ${ROLE_LABELS[current.role].toLowerCase()} at ${current.orgName}.` : `Signed in as ${me.name}.`}>
      {!me.mfaEnabled ? (
        <Alert color="yellow" variant="light" title="Two-step verification is off">
          Protect your account with an authenticator app.{' '}
          <Anchor component={Link} to="/account">
            Set it up in Account and security
          </Anchor>
          .
        </Alert>
      ) : null}
      <section aria-labelledby="dir-h">
        <Title order={2} fz="lg" mb="sm" id="dir-h">
          Directory
        </Title>
        <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="md">
          <Stat label="Organisations" value={orgs.data?.total} to="/directory/organisations" />
          <Stat label="Local election offices" value={contacts.data?.total} to="/directory/organisations?kind=local_election_office" />
          <Stat label="Communities" value={communities.data?.items.length} to="/directory/communities" />
        </SimpleGrid>
      </section>
      <section aria-labelledby="loe-h">
        <Title order={2} fz="lg" mb="sm" id="loe-h">
          Lines of effort
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          {LINES_OF_EFFORT.map((l) => (
            <Card key={l.path} withBorder padding="lg" radius="md">
              <Stack gap={6} h="100%">
                <Group justify="space-between" wrap="nowrap">
                  <Title order={3} fz="md">
                    {l.title}
                  </Title>
                  <Badge variant="outline" color={l.available.length ? '#1e6b34' : 'gray.7'}>
                    {l.available.length ? 'Available' : 'Coming'}
                  </Badge>
                </Group>
                <Text fz="sm" c="dimmed" style={{ flex: 1 }}>
                  {l.purpose}
                </Text>
                <Anchor component={Link} to={`/${l.path}`} fz="sm">
                  {l.available.length ? `Open ${l.title.toLowerCase()}` : `What is planned for ${l.title.toLowerCase()}`}
                </Anchor>
              </Stack>
            </Card>
          ))}
        </SimpleGrid>
      </section>
      {current ? (
        <section aria-labelledby="org-h">
          <Title order={2} fz="lg" mb="sm" id="org-h">
            Your organisation
          </Title>
          <Card withBorder padding="lg" radius="md">
            <Group justify="space-between">
              <div>
                <Text fw={600}>{current.orgName}</Text>
                <Text c="dimmed" fz="sm">
                  {KIND_LABELS[current.orgKind as keyof typeof KIND_LABELS] ?? current.orgKind} · you are {ROLE_LABELS[current.role].toLowerCase()}
                </Text>
              </div>
              <Group>
                <Button variant="default" component={Link} to={`/directory/organisations/${current.orgId}`}>
                  View in directory
                </Button>
                {isAdmin(me) ? (
                  <Button variant="default" component={Link} to="/admin/people">
                    Manage people
                  </Button>
                ) : null}
              </Group>
            </Group>
          </Card>
        </section>
      ) : null}
    </Page>
  );
}
