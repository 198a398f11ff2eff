import { Alert, Anchor, Card, List, SimpleGrid, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { Page } from '../components/Page';

export interface LineOfEffort {
  path: string;
  title: string;
  purpose: string;
  coming: string[];
  today: { label: string; to: string }[];
}

/** The four lines of effort. Their modules are not built yet: each page says plainly what is coming. */
export const LINES_OF_EFFORT: LineOfEffort[] = [
  {
    path: 'infrastructure',
    title: 'Election infrastructure',
    purpose: 'Protect the systems that run an election: voter registration, e-pollbooks, election-night reporting sites, and the networks of election offices and vendors.',
    coming: [
      'Share threat indicators (STIX 2.1) with partners, marked with TLP, and receive them as TAXII 2.1 feeds',
      'Check your own logs against shared indicators without sending the logs anywhere',
      'Vendor advisories and vulnerability notices for election technology',
    ],
    today: [
      { label: 'Find an organisation’s 24x7 contacts', to: '/directory/organisations' },
      { label: 'Create an API token for your tools', to: '/account' },
    ],
  },
  {
    path: 'campaigns',
    title: 'Campaigns & parties',
    purpose: 'Help campaigns and parties protect their staff accounts, websites and email, and report targeting quickly to the people who can act on it.',
    coming: ['Report phishing and account-takeover attempts in a few steps', 'Alerts about look-alike domains and impersonation', 'Plain-language security checklists for small campaign teams'],
    today: [{ label: 'Browse campaigns and parties in the directory', to: '/directory/organisations?kind=campaign' }],
  },
  {
    path: 'awareness',
    title: 'Public awareness',
    purpose: 'Counter false information about when, where and how to vote, working with election offices and online platforms.',
    coming: ['Report a false claim about voting with its links and screenshots', 'Route reports to the platform partners who can act on them', 'Track what was done about each report'],
    today: [{ label: 'See the communities you share with', to: '/directory/communities' }],
  },
  {
    path: 'warning',
    title: 'Warning & response',
    purpose: 'Warn the right people fast and coordinate the response when something happens: who is affected, who is on call, what has been done.',
    coming: ['Issue warnings to communities and jurisdictions, with TLP markings', 'Incident reports and a shared timeline of the response', 'On-call escalation using the 24x7 contacts in the directory'],
    today: [{ label: 'Look up 24x7 contacts by state or county', to: '/directory/jurisdictions' }],
  },
];

export function LineOfEffortPage({ line }: { line: LineOfEffort }) {
  return (
    <Page title={line.title} lead={line.purpose}>
      <Alert variant="light" color="rampart" title="Not available yet">
        This part of Rampart is being built. Nothing here is live, and no data is shown until it is.
      </Alert>
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
