import { VisuallyHidden } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { fieldError } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { TlpBadge } from '../../components/TlpBadge';
import { KIND_LABELS, MESSAGE_MAX_CHARS, sourcePath, useItem, usePostMessage, useThread, type ItemKind, type Message } from './room';

const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' }); // as the room's clock: 24-hour UTC
const MAX_INDENT = 4;

/** Messages as a tree: each message followed by its replies, oldest first. */
function tree(messages: Message[]): { m: Message; depth: number }[] {
  const children = new Map<string | null, Message[]>();
  const ids = new Set(messages.map((m) => m.id));
  for (const m of messages) {
    const parent = m.parentId && ids.has(m.parentId) ? m.parentId : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(m);
  }
  const out: { m: Message; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const m of children.get(parent) ?? []) {
      out.push({ m, depth });
      walk(m.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** The side panel: the selected item and its discussion, with a form to post or reply. */
export function RoomThread({ kind, id }: { kind: ItemKind; id: string }) {
  const item = useItem(kind, id);
  const thread = useThread(kind, id);
  const post = usePostMessage(kind, id);
  const announce = useAnnounce();
  const [text, setText] = useState('');
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    setReplyTo(null);
    post.reset();
  }, [kind, id]); // eslint: a new item starts a fresh reply (post is created per item)

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await post.mutateAsync({ text, parentId: replyTo?.id ?? null });
      setText('');
      setReplyTo(null);
      announce(replyTo ? 'Reply posted' : 'Message posted');
      input.current?.focus();
    } catch {
      input.current?.focus();
    }
  };
  const textError = fieldError(post.error, 'body.text') ?? fieldError(post.error, 'body.parentId');
  const i = item.data;

  return (
    <section className="room-thread" aria-labelledby="room-thread-title" data-testid="room-thread">
      {item.error ? <ErrorAlert error={item.error} title="This item cannot be shown" /> : null}
      {i ? (
        <header className="room-thread-head">
          <div className="room-meta">
            <span className={`room-kind room-kind-${i.kind}`}>{KIND_LABELS[i.kind].one}</span>
            <span className="room-tlp"><TlpBadge tlp={i.tlp} /></span>
            {i.level ? <span className="room-level">{i.level}</span> : null}
          </div>
          <h2 id="room-thread-title" className="room-thread-title">{i.title}</h2>
          <p className="room-secondary">
            {i.label} · <Link className="room-link" to={sourcePath(i)}>Open the {KIND_LABELS[i.kind].one.toLowerCase()}</Link>
          </p>
          <p className="room-summary">{i.summary}</p>
        </header>
      ) : (
        <h2 id="room-thread-title" className="room-thread-title">Discussion</h2>
      )}
      <h3 className="room-subhead">Discussion</h3>
      {thread.error && !item.error ? <ErrorAlert error={thread.error} title="Could not load the discussion" /> : null}
      <ol className="room-messages" aria-label="Messages" data-testid="room-messages">
        {thread.data && !thread.data.items.length ? <li className="room-secondary">No messages yet. Start the discussion below.</li> : null}
        {tree(thread.data?.items ?? []).map(({ m, depth }) => (
          <li key={m.id} className="room-message" style={{ marginLeft: `${Math.min(depth, MAX_INDENT) * 1.5}rem` }} data-testid="room-message">
            <div className="room-message-head">
              <strong>{m.authorName}</strong>
              {m.authorOrgName ? <span className="room-secondary"> · {m.authorOrgName}</span> : null}
              <span className="room-secondary"> · <time dateTime={m.createdAt}>{time.format(new Date(m.createdAt))}</time></span>
              {depth > 0 ? <VisuallyHidden> (reply)</VisuallyHidden> : null}
            </div>
            <p className="room-message-text">{m.text}</p>
            <button type="button" className="room-button room-button-quiet" onClick={() => (setReplyTo(m), input.current?.focus())} aria-label={`Reply to ${m.authorName}`}>
              Reply
            </button>
          </li>
        ))}
      </ol>
      {thread.data?.truncated ? <p className="room-secondary">Only the first 1,000 messages are shown.</p> : null}
      {i ? (
        <form className="room-compose" onSubmit={(e) => void submit(e)} noValidate>
          {replyTo ? (
            <p className="room-replying">
              Replying to {replyTo.authorName}{' '}
              <button type="button" className="room-button room-button-quiet" onClick={() => setReplyTo(null)}>
                Cancel reply
              </button>
            </p>
          ) : null}
          <label htmlFor="room-message-input" className="room-label">
            {replyTo ? 'Your reply' : 'Your message'}
          </label>
          <textarea
            id="room-message-input"
            ref={input}
            className="room-textarea"
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={MESSAGE_MAX_CHARS}
            rows={3}
            aria-invalid={textError ? true : undefined}
            aria-describedby="room-message-help"
          />
          <div id="room-message-help" className="room-secondary">
            {textError ? <span className="room-error" role="alert">{textError}</span> : `Plain text, seen by everyone who may see this item. ${text.length.toLocaleString()} of ${MESSAGE_MAX_CHARS.toLocaleString()} characters.`}
          </div>
          {post.error && !textError ? <ErrorAlert error={post.error} title="Message not posted" /> : null}
          <button type="submit" className="room-button" disabled={post.isPending || !text.trim()}>
            {replyTo ? 'Post reply' : 'Post message'}
          </button>
        </form>
      ) : null}
    </section>
  );
}
