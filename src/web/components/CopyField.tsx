import { Button, Code, CopyButton, Group } from '@mantine/core';

/** A secret shown once (API token, TOTP secret) with a copy button. */
export function CopyField({ value, label }: { value: string; label: string }) {
  return (
    <Group gap="sm" wrap="nowrap" align="center">
      <Code block style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap', fontSize: 14 }} aria-label={label} data-testid="secret-value">
        {value}
      </Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button variant={copied ? 'filled' : 'default'} onClick={copy} aria-label={`Copy ${label}`} miw={90}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}
