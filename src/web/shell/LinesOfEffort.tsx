import { Alert, Anchor, Card, List, SimpleGrid, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { Page } from '../components/Page';

export interface LineOfEffort {
  path: string;
  title: string;
  purpose: string;
  /** Pages of modules that exist (empty: the page says plainly that nothing is live yet). */
  available: { label: string; to: string; description: string }[];
  coming: string[];
  today: { label: string; to: string }[];
}

/** The four lines of effort: what works now, and, plainly, what is still coming. */
export const LINES_OF_EFFORT: LineOfEffort[] = [
  {
    path: 'infrastructure',
    title: 'Election infrastructure',
    purpose: 'Protect the systems that run an election: voter registration, e-pollbooks, election-night reporting sites, and the networks of election offices and vendors.',
    available: [
      { label: 'Threat intel', to: '/infrastructure/intel', description: 'Search, share and receive indicators and reports (STIX 2.1, TAXII 2.1), marked with TLP.' },
      { label: 'Check my logs', to: '/infrastructure/detect', description: 'Find shared indicators in your own logs; matches become sightings the hub can see.' },
      { label: 'Incidents', to: '/infrastructure/incidents', description: 'Report an incident in minutes; the hub triages it with you through a playbook.' },
    ],
    coming: ['Assessments and vulnerability testing for election systems', 'Vendor advisories and known exploited vulnerabilities (KEV) for election technology', 'Exercises and best practices'],
    today: [
      { label: 'Find an organisation’s 24x7 contacts', to: '/directory/organisations' },
      { label: 'Create an API token for your tools', to: '/account' },
    ],
  },
  {
    path: 'campaigns',
    title: 'Campaigns & parties',
    purpose: 'Help campaigns and parties protect their staff accounts, websites and email, and report targeting quickly to the people who can act on it.',
    available: [],
    coming: ['Report phishing and account-takeover attempts in a few steps', 'Alerts about look-alike domains and impersonation', 'Plain-language security checklists for small campaign teams'],
    today: [{ label: 'Browse campaigns and parties in the directory', to: '/directory/organisations?kind=campaign' }],
  },
  {
    path: 'awareness',
    title: 'Public awareness',
    purpose: 'Counter false information about when, where and how to vote, working with election offices and online platforms.',
    available: [],
    coming: ['Report a false claim about voting with its links and screenshots', 'Route reports to the platform partners who can act on them', 'Track what was done about each report'],
    today: [{ label: 'See the communities you share with', to: '/directory/communities' }],
  },
  {
    path: 'warning',
    title: 'Warning & response',
    purpose: 'Warn the right people fast and coordinate the response when something happens: who is affected, who is on call, what has been done.',
    available: [{ label: 'Alerts', to: '/warning/alerts', description: 'Advisories and alerts to partners, with acknowledgement and escalation to 24x7 contacts.' }, { label: 'Operating picture', to: '/warning/picture', description: 'A map of the United States by posture, drill down to counties, and trends.' }],
    coming: ['An Election Day situation room', 'Weekly trend reports by community'],
    today: [{ label: 'Look up 24x7 contacts by state or county', to: '/directory/jurisdictions' }],
  },
];

export function LineOfEffortPage({ line }: { line: LineOfEffort }) {
  return (
    <Page title={line.title} lead={line.purpose}>
      {line.available.length === 0 ? (
        <Alert variant="light" color="rampart" title="Not available yet">
          This part of Rampart is being built. Nothing here is live, and no data is shown until it is.
        </Alert>
      ) : (
        <Card withBorder padding="lg" radius="md">
          <Title order={2} fz="lg" mb="sm">
            Available now
          </Title>
          <List spacing="xs">
            {line.available.map((a) => (
              <List.Item key={a.to}>
                <Anchor component={Link} to={a.to} fw={600} underline="always">
                  {a.label}
                </Anchor>{' '}
                — {a.description}
              </List.Item>
            ))}
          </List>
        </Card>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Card withBorder padding="lg" radius="md">
          <Title order={2} fz="lg" mb="sm">
            What is coming
          </Title>
          <List spacing="xs">
            {line.coming.map((c) => (
              <List.Item key={c}>{c}</List.Item>
            ))}
          </List>
        </Card>
        <Card withBorder padding="lg" radius="md">
          <Title order={2} fz="lg" mb="sm">
            What you can do today
          </Title>
          <List spacing="xs">
            {line.today.map((t) => (
              <List.Item key={t.to}>
                <Anchor component={Link} to={t.to}>
                  {t.label}
                </Anchor>
              </List.Item>
            ))}
          </List>
          <Text c="dimmed" fz="sm" mt="md">
            The directory, accounts, API tokens and audit log are available now.
          </Text>
        </Card>
      </SimpleGrid>
    </Page>
  );
}
