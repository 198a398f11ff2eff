import { Button, Paper, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useAnnounce } from '../../components/Announcer';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { fmtDateTime, plural } from '../../components/format';

/**
 * What the pages of feeds Rampart pulls on a schedule share (TAXII subscriptions, MISP feeds): the
 * interval in words, the status cell, the row's actions and the table frame.
 */

/** "15 minutes", "2 hours", "day" (the largest whole unit; one of it unnumbered), to follow "Every". */
export function every(seconds: number): string {
  const [n, unit] = seconds % 86400 === 0 ? [seconds / 86400, 'day'] : seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [Math.round(seconds / 60), 'minute'];
  return n === 1 ? unit : plural(n, unit);
}

/** Failing (with the reason and how many times in a row), working, waiting for its first pull, or not checked yet; then the last success. */
export function FeedStatus({ lastError, failures, lastSuccessAt, pending, children }: { lastError: string | null; failures: number; lastSuccessAt: string | null; pending?: boolean; children?: ReactNode }) {
  return (
    <>
      {pending ? (
        <Text fz="sm" fw={600}>
          Pulling…
        </Text>
      ) : lastError ? (
        <Text fz="sm" c="#a61e1e">
          <Text span fz="sm" fw={700}>
            Failing{failures > 1 ? ` (${failures} times in a row)` : ''}:
          </Text>{' '}
          {lastError}
        </Text>
      ) : lastSuccessAt ? (
        <Text fz="sm" c="#1e6b34" fw={600}>
          Working
        </Text>
      ) : (
        <Text fz="sm">Not checked yet</Text>
      )}
      <Text fz="xs" c="dimmed">
        Last success: {fmtDateTime(lastSuccessAt)}
      </Text>
      {children}
    </>
  );
}

/** A row's buttons: fetch now, (edit,) delete; each names the feed for screen readers. */
export function FeedRowActions({ name, fetchLabel, onFetch, fetching, fetchDisabled, onEdit, onDelete }: { name: string; fetchLabel: string; onFetch: () => void; fetching: boolean; fetchDisabled?: boolean; onEdit?: () => void; onDelete: () => void }) {
  return (
    <Stack gap={6} align="flex-start">
      <Button size="xs" variant="default" loading={fetching} disabled={fetchDisabled} onClick={onFetch} aria-label={`${fetchLabel}: ${name}`}>
        {fetchLabel}
      </Button>
      {onEdit ? (
        <Button size="xs" variant="default" onClick={onEdit} aria-label={`Edit: ${name}`}>
          Edit
        </Button>
      ) : null}
      <Button size="xs" variant="subtle" color="red" onClick={onDelete} aria-label={`Delete: ${name}`}>
        Delete
      </Button>
    </Stack>
  );
}

/** The bordered, horizontally scrolling table of feeds: header cells given, then the rows. */
export function FeedTable({ head, minWidth = 820, children }: { head: ReactNode; minWidth?: number; children: ReactNode }) {
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={minWidth}>
        <Table verticalSpacing="sm" horizontalSpacing="md" fz="sm">
          <Table.Thead>
            <Table.Tr>{head}</Table.Tr>
          </Table.Thead>
          <Table.Tbody>{children}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

/** Said to people who may read the feeds but not manage them. */
export function ManagersOnly({ what }: { what: string }) {
  return (
    <Text fz="sm" c="dimmed">
      Analysts and organisation admins can add and manage {what}.
    </Text>
  );
}

/**
 * Deleting a feed: `ask(feed)` opens a confirmation naming it and what deleting does; on confirm the
 * feed is deleted, the list reloaded and the deletion announced. Render `dialog` once in the page.
 */
export function useFeedDeletion<T extends { id: string }>(o: { noun: string; name: (f: T) => string; remove: (f: T) => Promise<unknown>; queryKey: string[]; consequence: string }) {
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [deleting, setDeleting] = useState<T | null>(null);
  const remove = useMutation({
    mutationFn: o.remove,
    onSuccess: async (_r, f) => {
      setDeleting(null);
      announce(`${o.noun[0]!.toUpperCase()}${o.noun.slice(1)} ${o.name(f)} deleted`);
      await qc.invalidateQueries({ queryKey: o.queryKey });
    },
  });
  const dialog = (
    <ConfirmDialog
      opened={!!deleting}
      title={`Delete the ${o.noun} “${deleting ? o.name(deleting) : ''}”?`}
      confirmLabel={`Delete ${o.noun}`}
      danger
      busy={remove.isPending}
      error={remove.error}
      onConfirm={() => deleting && remove.mutate(deleting)}
      onClose={() => {
        setDeleting(null);
        remove.reset();
      }}
    >
      {o.consequence}
    </ConfirmDialog>
  );
  return { ask: setDeleting, dialog };
}
