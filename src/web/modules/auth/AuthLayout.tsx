import { Box, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Logo } from '../../components/Logo';
import { usePageTitle } from '../../components/Page';

/** The frame of the pages before sign-in: product name, one card, a short footer. */
export function AuthLayout({ title, lead, children, width = 420 }: { title: string; lead?: ReactNode; children: ReactNode; width?: number }) {
  usePageTitle(title);
  return (
    <Box mih="100vh" style={{ background: 'linear-gradient(180deg, #0f2748 0, #0f2748 240px, #f6f7f9 240px)' }}>
      <header>
        <Group justify="center" pt={40} pb={24} gap={10}>
          <span style={{ background: '#fff', borderRadius: 8, padding: 4, display: 'flex' }}>
            <Logo size={32} />
          </span>
          <Text fw={750} fz={26} c="white" style={{ letterSpacing: '0.02em' }}>
            Rampart
          </Text>
        </Group>
      </header>
      <main id="main">
        <Center px="md">
          <Paper withBorder shadow="md" radius="md" p={32} w="100%" maw={width}>
            <Stack gap="md">
              <div>
                <Title order={1} fz={22}>
                  {title}
                </Title>
                {lead ? (
                  <Text c="dimmed" fz="sm" mt={4}>
                    {lead}
                  </Text>
                ) : null}
              </div>
              {children}
            </Stack>
          </Paper>
        </Center>
      </main>
      <footer>
        <Text ta="center" c="dimmed" fz="xs" py="lg" px="md">
          Rampart: election officials and their partners, sharing threat information. Authorised users only; activity is audited.
        </Text>
      </footer>
    </Box>
  );
}
