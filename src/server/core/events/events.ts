import { EventEmitter } from 'node:events';
import pg from 'pg';
import { sql } from 'kysely';
import type { Database, Tx } from '../db.ts';
import { canSee, type Sharing } from '../access/visibility.ts';
import type { Actor } from '../access/actor.ts';

/**
 * Domain events. `publishEvent(tx, …)` writes the event row in the caller's transaction and issues
 * NOTIFY, which PostgreSQL delivers only when that transaction commits (the outbox pattern: no event
 * for a rolled-back change, no change without its event). Every node LISTENs and fans events out to
 * its live subscribers (SSE), each filtered by the one visibility rule.
 */
export const EVENTS_CHANNEL = 'rampart_events';

export interface DomainEvent {
  topic: string;
  subjectId?: string;
  sharing: Sharing;
  payload?: Record<string, unknown>;
}

export interface StoredEvent extends DomainEvent {
  id: number;
  at: Date;
}

export async function publishEvent(tx: Tx, e: DomainEvent): Promise<void> {
  const s = e.sharing;
  await sql`
    WITH ins AS (
      INSERT INTO events (topic, subject_id, owner_org_id, tlp, community_ids, recipient_org_ids, recipient_user_ids, created_by, payload)
      VALUES (${e.topic}, ${e.subjectId ?? null}, ${s.ownerOrgId}, ${s.tlp}, ${s.communityIds}::uuid[],
              ${s.recipientOrgIds}::uuid[], ${s.recipientUserIds}::uuid[], ${s.createdBy}, ${JSON.stringify(e.payload ?? {})}::jsonb)
      RETURNING id)
    SELECT pg_notify(${EVENTS_CHANNEL}, id::text) FROM ins`.execute(tx);
}

export interface Subscription {
  actor: Actor;
  topics: string[] | null;
  send(e: StoredEvent): void;
}

function rowToEvent(r: Record<string, unknown>): StoredEvent {
  return {
    id: Number(r.id),
    at: r.at as Date,
    topic: r.topic as string,
    subjectId: (r.subject_id as string | null) ?? undefined,
    payload: r.payload as Record<string, unknown>,
    sharing: {
      ownerOrgId: r.owner_org_id as string | null,
      tlp: r.tlp as Sharing['tlp'],
      communityIds: r.community_ids as string[],
      recipientOrgIds: r.recipient_org_ids as string[],
      recipientUserIds: r.recipient_user_ids as string[],
      createdBy: r.created_by as string | null,
    },
  };
}

export class EventHub {
  private readonly subs = new Set<Subscription>();
  private client: pg.Client | null = null;
  private lastId = 0;
  private draining: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Local listeners (module reactions, tests). Not filtered: server-side code sees every event. */
  readonly local = new EventEmitter();

  constructor(private readonly database: Database) {
    this.local.setMaxListeners(100);
  }

  async start(): Promise<void> {
    const row = await sql<{ max: number | null }>`SELECT max(id) AS max FROM events`.execute(this.database.db);
    this.lastId = Number(row.rows[0]?.max ?? 0);
    // On PGlite the notification arrives on the writing connection (see Database.notifications), and
    // every statement goes through the one pooled connection: LISTEN there (one backend, one registration).
    this.database.notifications?.on('notification', (n: { channel: string }) => {
      if (n.channel === EVENTS_CHANNEL) void this.pull();
    });
    if (this.database.singleConnection) {
      await this.database.pool.query(`LISTEN ${EVENTS_CHANNEL}`);
      return;
    }
    const client = new pg.Client({ connectionString: this.database.url });
    client.on('error', () => {});
    await client.connect();
    client.on('notification', () => void this.pull());
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
  }

  /** Reads every event after the last one seen, in order, and fans them out. Serialised. */
  pull(): Promise<void> {
    this.draining = this.draining.then(async () => {
      if (this.stopped) return;
      const rows = await sql<Record<string, unknown>>`SELECT * FROM events WHERE id > ${this.lastId} ORDER BY id LIMIT 1000`.execute(
        this.database.db,
      );
      for (const r of rows.rows) {
        const e = rowToEvent(r);
        this.lastId = e.id;
        this.dispatch(e);
      }
      if (rows.rows.length === 1000) void this.pull();
    }).catch(() => {});
    return this.draining;
  }

  private dispatch(e: StoredEvent): void {
    this.local.emit('event', e);
    for (const s of this.subs) {
      if (s.topics && !s.topics.some((t) => e.topic === t || e.topic.startsWith(`${t}.`))) continue;
      if (!canSee(s.actor, e.sharing)) continue;
      try {
        s.send(e);
      } catch {
        /* a broken subscriber is removed by its own close handler */
      }
    }
  }

  subscribe(sub: Subscription): () => void {
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  get subscriberCount(): number {
    return this.subs.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.subs.clear();
    await this.draining;
    if (this.client) await this.client.end().catch(() => {});
    this.client = null;
  }
}
