import { LEVEL_COLOURS, STATUS_LABELS, type Level, type Status } from './alerts';

/** The alert level as a coloured badge whose text always names the level. */
export function LevelBadge({ level }: { level: Level }) {
  const c = LEVEL_COLOURS[level];
  return (
    <span data-testid="level-badge" style={{ background: c.bg, color: c.fg, border: `1px solid ${c.border}`, padding: '1px 8px', borderRadius: 3, fontWeight: 700, fontSize: 12, whiteSpace: 'nowrap' }}>
      {level}
    </span>
  );
}

export function StatusTag({ status, expired }: { status: Status; expired?: boolean }) {
  return <span className="tag">{expired && status === 'published' ? 'Expired' : STATUS_LABELS[status]}</span>;
}

/** A simple horizontal bar with its numbers in text. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const pct = total ? Math.round((done / total) * 100) : 0;
  return (
    <div>
      <div role="img" aria-label={`${label}: ${done} of ${total}`} style={{ height: 10, background: '#e9ecef', borderRadius: 5, overflow: 'hidden' }}>
        <div style={{ width: `${pct}%`, height: '100%', background: '#1c4f8c' }} />
      </div>
    </div>
  );
}
