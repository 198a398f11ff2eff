import { Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function Empty({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <Paper withBorder p="xl" radius="md">
      <Stack align="center" gap="xs" ta="center">
        <Title order={2} fz="lg">
          {title}
        </Title>
        {children ? <Text c="dimmed" maw={520}>{children}</Text> : null}
        {action}
      </Stack>
    </Paper>
  );
}
