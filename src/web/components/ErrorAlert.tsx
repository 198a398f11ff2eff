import { Alert, List } from '@mantine/core';
import { ApiError } from '../api';

/**
 * The summary of a failed request. Field problems the form shows next to its inputs are listed in
 * `shownInline` and left out here; anything else is listed.
 */
export function ErrorAlert({ error, title = 'That did not work', shownInline = [] }: { error: unknown; title?: string; shownInline?: string[] }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const rest = error instanceof ApiError ? error.others(shownInline) : [];
  const inlineOnly = error instanceof ApiError && error.problems.length > 0 && rest.length === 0;
  return (
    <Alert color="red" variant="light" title={title} role="alert">
      {inlineOnly ? 'Please correct the fields marked below.' : rest.length ? (
        <List size="sm">
          {rest.map((p) => (
            <List.Item key={p.path + p.message}>
              {p.path.replace(/^body\./, '')}: {p.message}
            </List.Item>
          ))}
        </List>
      ) : (
        message
      )}
    </Alert>
  );
}
