import { Alert, Anchor, Group, Progress, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { FileDropZone } from '../../components/FileDropZone';
import { fmtDateTime } from '../../components/format';
import { attachmentRefusal, fmtBytes, fmtMinutes, MAX_ATTACHMENT_BYTES, PRIORITY_LABELS, STATUS_LABELS, uploadAttachment, type Attachment, type Incident, type IncidentSummary, type Priority, type Status } from './incidents';
import './incidents.css';

export function StatusPill({ status }: { status: Status }) {
  return <span className={`inc-status inc-status-${status}`}>{STATUS_LABELS[status]}</span>;
}

export function PriorityPill({ priority }: { priority: Priority | null }) {
  if (!priority) return <Text span c="dimmed" fz="sm">Not set</Text>;
  const cls = priority === 'emergency' || priority === 'severe' ? 'pill pill-red' : priority === 'high' ? 'pill pill-amber' : 'tag';
  return <span className={cls}>{PRIORITY_LABELS[priority]}</span>;
}

/** A list row's next SLA deadline (triage, else first response): overdue in red, running in amber, a dash when no clock runs. */
export function DeadlineClock({ incident, now = Date.now() }: { incident: Pick<IncidentSummary, 'status'> & { slaDueAt: string | null }; now?: number }) {
  if (!incident.slaDueAt) return <Text span c="dimmed" fz="sm">—</Text>;
  const minutes = (new Date(incident.slaDueAt).getTime() - now) / 60_000;
  const what = incident.status === 'new' ? 'Triage' : 'First response';
  return minutes < 0 ? <span className="pill pill-red">{what} overdue {fmtMinutes(-minutes)}</span> : <span className="pill pill-amber">{what} due in {fmtMinutes(minutes)}</span>;
}

type Sla = NonNullable<Incident['sla']['triage']>;
/** One of the server's SLA clocks, in words. */
export function SlaLine({ label, sla }: { label: string; sla: Sla | null }) {
  if (!sla) return null;
  const text =
    sla.state === 'met'
      ? `In ${fmtMinutes(sla.elapsedMinutes)} (target ${fmtMinutes(sla.targetMinutes)})`
      : sla.state === 'breached'
        ? `overdue: ${fmtMinutes(sla.elapsedMinutes)} against a target of ${fmtMinutes(sla.targetMinutes)}`
        : `${fmtMinutes(sla.elapsedMinutes)} of ${fmtMinutes(sla.targetMinutes)} used${sla.dueAt ? `; due ${fmtDateTime(sla.dueAt)}` : ''}`;
  const cls = sla.state === 'met' ? 'pill pill-green' : sla.state === 'breached' ? 'pill pill-red' : 'pill pill-amber';
  return (
    <div>
      <Group gap={8} wrap="nowrap" align="center">
        <Text fw={600} fz="sm">
          {label}
        </Text>
        <span className={cls}>{sla.state === 'met' ? 'Met' : sla.state === 'breached' ? 'Overdue' : 'Running'}</span>
      </Group>
      <Text fz="sm">{text}</Text>
    </div>
  );
}

interface Upload {
  key: string;
  name: string;
  size: number;
  progress: number;
  error?: string;
}

/**
 * Drag-and-drop (or choose) files to attach. Each file uploads at once with its own progress bar;
 * a refused file (a program in disguise, too large) gets a plain message that stays until dismissed.
 * `ensureIncident` returns the incident id (the report form creates its draft first).
 */
export function AttachmentDrop({ ensureIncident, onUploaded, label = 'Attach files' }: { ensureIncident: () => Promise<string>; onUploaded: (a: Attachment) => void; label?: string }) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const patch = (key: string, p: Partial<Upload>) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...p } : x)));

  const send = async (files: File[]) => {
    for (const file of files) {
      const key = `${file.name}-${file.size}-${Date.now()}-${Math.random()}`;
      setUploads((u) => [...u, { key, name: file.name, size: file.size, progress: 0 }]);
      if (file.size > MAX_ATTACHMENT_BYTES) {
        patch(key, { error: attachmentRefusal(file, { status: 413 }) });
        continue;
      }
      try {
        const id = await ensureIncident();
        const a = await uploadAttachment(id, file, (f) => patch(key, { progress: f }));
        setUploads((u) => u.filter((x) => x.key !== key));
        onUploaded(a);
      } catch (e) {
        patch(key, { error: attachmentRefusal(file, e) });
      }
    }
  };
  const refused = uploads.filter((u) => u.error);
  const running = uploads.filter((u) => !u.error);

  return (
    <Stack gap="sm">
      <FileDropZone
        label={label}
        prompt="Drop screenshots, logs or emails (.eml) here, or"
        hint={`Up to ${fmtBytes(MAX_ATTACHMENT_BYTES)} each. Programs (.exe and the like) are refused, whatever their name.`}
        multiple
        clearAfterPick
        testId="attachment-drop"
        onFiles={(files) => void send(files)}
      />
      {running.map((u) => (
        <div key={u.key}>
          <Text fz="sm" id={`${u.key}-label`}>
            Uploading {u.name} ({fmtBytes(u.size)}): {Math.round(u.progress * 100)}%
          </Text>
          <Progress value={u.progress * 100} aria-labelledby={`${u.key}-label`} size="md" />
        </div>
      ))}
      {refused.map((u) => (
        <Alert key={u.key} color="red" variant="light" title="File not attached" role="alert" withCloseButton closeButtonLabel={`Dismiss the message about ${u.name}`} onClose={() => setUploads((x) => x.filter((y) => y.key !== u.key))} data-testid="attachment-refused">
          {u.error}
        </Alert>
      ))}
    </Stack>
  );
}

/** Attachments with their digests; downloads are always saved, never opened in the browser. */
export function AttachmentTable({ incidentId, items }: { incidentId: string; items: Attachment[] }) {
  if (!items.length) return <Text c="dimmed" fz="sm">No attachments.</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing="xs" fz="sm" data-testid="attachments">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Added</Table.Th>
            <Table.Th>Type (read from the file)</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((a) => (
            <Table.Tr key={a.id}>
              <Table.Td style={{ wordBreak: 'break-all' }}>
                <Anchor href={`/api/incidents/${incidentId}/attachments/${a.id}/content`} download={a.filename}>
                  {a.filename}
                </Anchor>
                <Text fz="xs" c="dimmed" className="mono" title="SHA-256">
                  SHA-256 {a.sha256.slice(0, 16)}…
                </Text>
              </Table.Td>
              <Table.Td className="nowrap">{fmtBytes(a.size)}</Table.Td>
              <Table.Td className="nowrap">{fmtDateTime(a.createdAt)}</Table.Td>
              <Table.Td>{a.flagged ? <span className="pill pill-amber" title={a.flagReason ?? undefined}>Check before opening: {a.flagReason}</span> : <Text span fz="sm">{a.detectedType ?? 'text'}</Text>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
