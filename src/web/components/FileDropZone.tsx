import { Progress, Stack, Text } from '@mantine/core';
import { useId, useRef, useState, type DragEvent, type ReactNode } from 'react';

export interface DropZoneProgress {
  /** 0…1 of the bytes sent. */
  fraction: number;
  /** What is happening, in words ("Uploading dns.log: 40%"); read out by screen readers as it changes. */
  label: string;
  /** Animated bar (the server is working once every byte is sent). */
  busy?: boolean;
}

/**
 * Pick or drop files. The file input stays a real, visible input with its own label, so the keyboard
 * (Tab, then Enter or Space) and screen readers work as with any form field; dropping files anywhere on
 * the zone does the same as choosing them. `hint` describes the input (formats, size limits); `children`
 * show what was chosen; `progress` shows an upload in progress under the zone.
 */
export function FileDropZone({
  label,
  prompt,
  hint,
  accept,
  multiple = false,
  disabled = false,
  onFiles,
  progress,
  error,
  clearAfterPick = false,
  testId,
  children,
}: {
  /** The input's label ("Log files to check"). */
  label: string;
  /** Bold line above the input ("Drop log files here, or"). */
  prompt: string;
  hint?: ReactNode;
  accept?: string;
  multiple?: boolean;
  disabled?: boolean;
  onFiles: (files: File[]) => void;
  progress?: DropZoneProgress | null;
  /** A problem with the chosen file, shown in the zone and tied to the input (aria-invalid, aria-describedby). */
  error?: ReactNode;
  /** Empty the input after each pick (each file is handled at once, so the same file can be picked again). */
  clearAfterPick?: boolean;
  /** data-testid of the zone (the element that takes dropped files). */
  testId?: string;
  children?: ReactNode;
}) {
  const id = useId();
  const depth = useRef(0);
  const [dragging, setDragging] = useState(false);
  const take = (list: FileList | null | undefined) => {
    const files = list ? Array.from(list) : [];
    onFiles(multiple ? files : files.slice(0, 1));
  };
  // dragenter/dragleave also fire when the pointer crosses the zone's children: count them
  const enter = (e: DragEvent) => {
    e.preventDefault();
    depth.current++;
    if (!disabled) setDragging(true);
  };
  const leave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-err` : null].filter(Boolean).join(' ') || undefined;
  const drop = (e: DragEvent) => {
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    if (!disabled) take(e.dataTransfer.files);
  };
  return (
    <div>
      <div className="dropzone" data-active={dragging} data-disabled={disabled} data-testid={testId} onDragEnter={enter} onDragOver={(e) => e.preventDefault()} onDragLeave={leave} onDrop={drop}>
        <Stack gap={6} align="center">
          <Text fw={600} aria-hidden="true">
            {prompt}
          </Text>
          <label htmlFor={id} className="dropzone-label">
            {label}
          </label>
          <input
            id={id}
            type="file"
            multiple={multiple}
            accept={accept}
            disabled={disabled}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => {
              take(e.currentTarget.files);
              if (clearAfterPick) e.currentTarget.value = '';
            }}
          />
          {hint ? (
            <Text fz="xs" c="dimmed" id={`${id}-hint`}>
              {hint}
            </Text>
          ) : null}
          {children}
          {error ? (
            <Text c="#b02525" fz="sm" id={`${id}-err`}>
              {error}
            </Text>
          ) : null}
        </Stack>
      </div>
      {progress ? (
        <div className="dropzone-progress">
          <Text fz="sm" mb={4} id={`${id}-progress`} role="status">
            {progress.label}
          </Text>
          <Progress value={progress.fraction * 100} animated={progress.busy} aria-labelledby={`${id}-progress`} size="lg" />
        </div>
      ) : null}
    </div>
  );
}
