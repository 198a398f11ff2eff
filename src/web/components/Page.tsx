import { useEffect, useRef, type ReactNode } from 'react';
import { Anchor, Breadcrumbs, Group, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

/** Sets the document title: "<title> · Rampart". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Rampart` : 'Rampart';
  }, [title]);
}

let firstPage = true;

/**
 * A page of the app shell: its h1 (focused after in-app navigation, so screen-reader users hear
 * where they are), an optional lead line, breadcrumbs and actions.
 */
export function Page({ title, lead, crumbs, actions, children }: { title: string; lead?: ReactNode; crumbs?: { label: string; to: string }[]; actions?: ReactNode; children: ReactNode }) {
  usePageTitle(title);
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (firstPage) firstPage = false;
    else h1.current?.focus();
  }, [title]);
  return (
    <Stack gap="lg" maw={1240}>
      <div>
        {crumbs?.length ? (
          <Breadcrumbs mb={6} aria-label="Breadcrumb" separator="›" fz="sm">
            {crumbs.map((c) => (
              <Anchor key={c.to} component={Link} to={c.to} fz="sm">
                {c.label}
              </Anchor>
            ))}
          </Breadcrumbs>
        ) : null}
        <Group justify="space-between" align="flex-start" gap="md" wrap="wrap">
          <div>
            <Title order={1} fz={26} ref={h1} tabIndex={-1}>
              {title}
            </Title>
            {lead ? (
              <Text c="dimmed" mt={4} maw={760}>
                {lead}
              </Text>
            ) : null}
          </div>
          {actions ? <Group gap="sm">{actions}</Group> : null}
        </Group>
      </div>
      {children}
    </Stack>
  );
}
