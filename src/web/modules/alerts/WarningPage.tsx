import { Anchor, Card, List, SimpleGrid, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { Page } from '../../components/Page';
import { LINES_OF_EFFORT } from '../../shell/LinesOfEffort';
import { ALERTS_BASE } from './alerts';

/** The Warning & response landing: what works today, and what is still coming. */
export function WarningPage() {
  const line = LINES_OF_EFFORT.find((l) => l.path === 'warning');
  return (
    <Page title="Warning & response" lead={line?.purpose}>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card withBorder padding="lg" radius="md">
          <Title order={2} fz="lg" mb="sm">Available now</Title>
          <List spacing="xs">
            <List.Item><Anchor underline="always" component={Link} to={ALERTS_BASE}>Alerts and advisories</Anchor>: read what was sent to you and acknowledge it</List.Item>
            <List.Item><Anchor underline="always" component={Link} to={`${ALERTS_BASE}/new`}>Draft an alert</Anchor> (analysts): target organisations by kind, state and community, with TLP; High and Severe need a second analyst</List.Item>
            <List.Item>Unacknowledged High and Severe alerts are escalated by email to the 24x7 contacts in the directory</List.Item>
            <List.Item><Anchor underline="always" component={Link} to="/infrastructure/incidents">Incident reports</Anchor> and their shared timeline</List.Item>
            <List.Item><Anchor underline="always" component={Link} to="/warning/picture">Operating picture</Anchor>: a map of the United States by posture (alerts, incidents, sightings, acknowledgement gaps), drill down to counties, and trends</List.Item>
            <List.Item><Anchor underline="always" component={Link} to="/warning/room">Situation room</Anchor>: a live wall display of new alerts, incident reports and sightings, with a discussion on each</List.Item>
          </List>
        </Card>
        <Card withBorder padding="lg" radius="md">
          <Title order={2} fz="lg" mb="sm">Not in the web app yet</Title>
          <List spacing="xs">
            <List.Item>The weekly trend report (a PDF through the API)</List.Item>
            <List.Item>Mail preferences per alert level and webhooks (available through the API)</List.Item>
          </List>
          <Text c="dimmed" fz="sm" mt="md">
            <Anchor underline="always" component={Link} to="/directory/jurisdictions">Look up 24x7 contacts by state or county</Anchor>
          </Text>
        </Card>
      </SimpleGrid>
    </Page>
  );
}
