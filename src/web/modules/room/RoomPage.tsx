import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { usePageTitle } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import { ITEM_ORDER, KIND_LABELS, itemKey, useFeed, useRoomLive, useSummary, type FeedItem, type ItemKind } from './room';
import { RoomThread } from './RoomThread';
import './room.css';

// operations rooms read one clock: 24-hour UTC, with the date
const clockDate = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const clockTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
// item and message times read against the header clock: 24-hour UTC
const itemTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', month: 'short', day: 'numeric', hourCycle: 'h23', timeZone: 'UTC' });

function Clock() {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="room-clock" data-testid="room-clock">
      {/* the time is not announced every second: it is not a live region */}
      <time dateTime={now.toISOString()} className="room-clock-time" data-testid="room-clock-time">{clockTime.format(now)} UTC</time>
      <span className="room-secondary" data-testid="room-clock-date">{clockDate.format(now)}</span>
    </div>
  );
}

function Counts() {
  const summary = useSummary();
  const c = summary.data?.counts;
  return (
    <div className="room-counts">
      <dl aria-label="Items in the last 24 hours" data-testid="room-counts">
        {ITEM_ORDER.map((k) => (
          <div key={k} className={`room-count room-kind-${k}`}>
            <dt>{KIND_LABELS[k].many}</dt>
            <dd data-testid={`room-count-${k}`}>{c ? `${c[k].n.toLocaleString()}${c[k].capped ? '+' : ''}` : '…'}</dd>
          </div>
        ))}
      </dl>
      <p className="room-count-note room-secondary">last 24 h</p>
    </div>
  );
}

function FeedEntry({ item, selected, onSelect }: { item: FeedItem; selected: boolean; onSelect: () => void }) {
  return (
    <button type="button" className="room-item" aria-pressed={selected} onClick={onSelect} data-testid="room-item" data-key={itemKey(item)}>
      <span className="room-meta">
        <span className={`room-kind room-kind-${item.kind}`}>{KIND_LABELS[item.kind].one}</span>
        <span className="room-tlp"><TlpBadge tlp={item.tlp} /></span>
        {item.level ? <span className="room-level">{item.level}</span> : null}
        <time className="room-secondary" dateTime={item.at}>{itemTime.format(new Date(item.at))} UTC</time>
      </span>
      <span className="room-item-title">{item.title}</span>
      <span className="room-secondary">
        {item.label}
        {' · '}
        <span data-testid="room-item-messages">{item.messages === 1 ? '1 message' : `${item.messages.toLocaleString()} messages`}</span>
      </span>
    </button>
  );
}

/**
 * The Election Day situation room: a wall display of new alerts, incident reports and sightings, live,
 * with the discussion of the selected item beside it. Everything shown comes from the server, which
 * sends each item, count and message only to those who may see the item.
 */
export function RoomPage() {
  usePageTitle('Situation room');
  const feed = useFeed();
  const announce = useAnnounce();
  const [params, setParams] = useSearchParams();
  const [fullscreen, setFullscreen] = useState(false);
  const [live, setLive] = useState(0);
  const root = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const h1 = useRef<HTMLHeadingElement>(null);
  // As every page does after in-app navigation: screen readers hear where they are.
  useEffect(() => h1.current?.focus(), []);

  const connected = useRoomLive((e) => {
    setLive((n) => n + 1);
    if (e.topic !== 'room.message') announce('New item in the situation room');
  });
  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement === root.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  const selectedKey = params.get('item');
  const [selKind, ...rest] = (selectedKey ?? '').split(':');
  const selected = selectedKey && (ITEM_ORDER as string[]).includes(selKind!) ? { kind: selKind as ItemKind, id: rest.join(':') } : null;
  const select = (i: FeedItem) => setParams({ item: itemKey(i) }, { replace: true });

  const toggleFullscreen = async () => {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await root.current?.requestFullscreen();
  };

  /** Arrow keys, Home and End move between feed items (Tab still works). */
  const onKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>('button.room-item') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
  };

  return (
    <div ref={root} className="room" data-testid="room">
      <header className="room-head">
        <div>
          <h1 className="room-title" tabIndex={-1} ref={h1}>Situation room</h1>
          <p className="room-secondary">
            Alerts, incident reports and sightings shared with you, newest first.{' '}
            {connected ? (
              <span className="room-live" data-testid="room-live">{live ? `Live · ${live.toLocaleString()} ${live === 1 ? 'update' : 'updates'}` : 'Live'}</span>
            ) : (
              <span className="room-offline" data-testid="room-live">Reconnecting… the feed may be behind</span>
            )}
          </p>
        </div>
        <Counts />
        <Clock />
        <button type="button" className="room-button" onClick={() => void toggleFullscreen()}>
          {fullscreen ? 'Leave full screen' : 'Full screen'}
        </button>
      </header>
      <div className="room-body">
        <section className="room-feed" aria-labelledby="room-feed-title">
          <h2 id="room-feed-title" className="room-subhead">Live feed</h2>
          {feed.error ? <ErrorAlert error={feed.error} title="Could not load the feed" /> : null}
          {feed.isPending ? <p className="room-secondary">Loading the feed…</p> : null}
          {feed.data && !feed.items.length ? <p className="room-secondary">Nothing shared with you yet. New items appear here as they arrive.</p> : null}
          <ul className="room-list" ref={list} onKeyDown={onKey} aria-label="Feed items" data-testid="room-feed">
            {feed.items.map((i) => (
              <li key={itemKey(i)}>
                <FeedEntry item={i} selected={itemKey(i) === selectedKey} onSelect={() => select(i)} />
              </li>
            ))}
          </ul>
          {feed.hasNextPage ? (
            <button type="button" className="room-button room-button-quiet" onClick={() => void feed.fetchNextPage()} disabled={feed.isFetchingNextPage}>
              {feed.isFetchingNextPage ? 'Loading…' : 'Show older items'}
            </button>
          ) : null}
        </section>
        <aside className="room-side" aria-label="Discussion of the selected item">
          {selected ? <RoomThread kind={selected.kind} id={selected.id} /> : <p className="room-secondary room-hint">Choose an item to read and join its discussion.</p>}
        </aside>
      </div>
    </div>
  );
}
