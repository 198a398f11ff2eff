import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Actor } from '../access/actor.ts';
import type { DbOrTx, Tx } from '../db.ts';

/**
 * The audit log: append-only (a trigger refuses UPDATE and DELETE) and hash-chained. Each entry's
 * hash covers the previous entry's hash, the actor, the action, the subject, the time and a digest of
 * the details, so `verifyAuditChain` finds the first entry that was altered, removed or inserted.
 * Entries are written in the caller's transaction: the change and its audit row commit together.
 * A transaction-scoped advisory lock orders appends across connections and nodes.
 */
export interface AuditEntryInput {
  action: string;
  subjectType?: string;
  subjectId?: string;
  details?: Record<string, unknown>;
}

const AUDIT_LOCK_KEY = 0x52414d50; // 'RAMP'
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted, so a digest does not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Chained {
  at: Date;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string;
  org_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details_digest: string;
  prev_hash: string;
}

export function entryHash(e: Chained): string {
  return sha256(
    [
      e.prev_hash,
      e.at.toISOString(),
      e.actor_kind,
      e.actor_id ?? '',
      e.actor_name,
      e.org_id ?? '',
      e.action,
      e.subject_type ?? '',
      e.subject_id ?? '',
      e.details_digest,
    ].join('\n'),
  );
}

export async function audit(tx: Tx, actor: Actor, input: AuditEntryInput): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(tx);
  const last = await tx.selectFrom('audit_log').select(['hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const details = input.details ?? {};
  const row: Chained = {
    at: new Date(),
    actor_kind: actor.kind,
    actor_id: actor.userId,
    actor_name: actor.name,
    org_id: actor.orgId,
    action: input.action,
    subject_type: input.subjectType ?? null,
    subject_id: input.subjectId ?? null,
    details_digest: sha256(canonicalJson(details)),
    prev_hash: (last?.hash as string | undefined) ?? GENESIS_HASH,
  };
  await tx
    .insertInto('audit_log')
    .values({ ...row, details: JSON.stringify(details), hash: entryHash(row) })
    .execute();
}

export type VerifyResult =
  | { ok: true; entries: number }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/** Walks the chain in order; names the first broken link. */
export async function verifyAuditChain(db: DbOrTx, onProgress?: (done: number) => void): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let after = 0;
  let count = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(5000)
      .execute();
    if (rows.length === 0) return { ok: true, entries: count };
    for (const r of rows) {
      count++;
      const digest = sha256(canonicalJson(r.details));
      if (digest !== r.details_digest) {
        return { ok: false, entries: count, brokenAt: r.seq, reason: 'details do not match their digest' };
      }
      if (r.prev_hash !== prev) {
        return { ok: false, entries: count, brokenAt: r.seq, reason: 'previous-hash link does not match the entry before it' };
      }
      if (entryHash(r as Chained) !== r.hash) {
        return { ok: false, entries: count, brokenAt: r.seq, reason: 'entry hash does not match its contents' };
      }
      prev = r.hash;
      after = r.seq;
    }
    onProgress?.(count);
  }
}
