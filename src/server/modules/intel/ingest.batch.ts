import type { Tx } from '../../core/db.ts';
import { planInsert, type InsertPlan, type IntelRepo, type StoredObjectRow } from './intel.repo.ts';
import { prepareObject, storeRows, type ShareOptions } from './intel.store.ts';

/**
 * Batches for every write path of this module (POST /objects, the creation helpers, ingest jobs):
 * `prepareBatch` validates and prepares objects (CPU only, no I/O) and sorts out duplicates inside
 * the batch; `writeBatch` stores the prepared rows in the caller's transaction (atomic per batch)
 * and tells inserted from duplicate. Splitting the two lets a job prepare batch N+1 while batch N
 * is being written.
 */
export interface BatchItem {
  /** Position in the input (bundle array index, CSV row, …). */
  index: number;
  value?: unknown;
  /** The value's own JSON text, when it was read from one (stored as is if the object is stored unchanged). */
  text?: string;
  /** The input could not be read as an object (JSON syntax, CSV cell…): rejected with this issue. */
  failure?: { rule: string; path: string; message: string; id?: string | null };
}

export interface Issue {
  rule: string;
  path: string;
  message: string;
}

export interface Outcome {
  index: number;
  id: string | null;
  type: string | null;
  outcome: 'inserted' | 'duplicate' | 'rejected';
  errors?: Issue[];
}

export interface PreparedBatch {
  rows: StoredObjectRow[];
  /** Outcome per item; rows' outcomes are settled by writeBatch. */
  outcomes: Outcome[];
  /** outcomes index of each row (same order as rows). */
  rowOutcome: number[];
  /** The rows' insert statements, when built ahead of the write (planBatch). */
  plan?: InsertPlan;
}

/**
 * Builds the batch's insert statements now (CPU only): a job calls it while the previous batch is still
 * being written, so its own write starts without the database waiting for Node to build them.
 */
export function planBatch(batch: PreparedBatch): PreparedBatch {
  if (!batch.plan && batch.rows.length) batch.plan = planInsert(batch.rows);
  return batch;
}

const key = (id: string, version: string) => `${id}\u0000${version}`;

/** The same content: equal texts, else equal JSON.stringify of the parsed values (whitespace does not count, key order does). */
function sameContent(a: StoredObjectRow, b: StoredObjectRow): boolean {
  if (a.json !== undefined && a.json === b.json) return true;
  const value = (r: StoredObjectRow) => r.object ?? JSON.parse(r.json!);
  return JSON.stringify(value(a)) === JSON.stringify(value(b));
}

export function prepareBatch(items: BatchItem[], share: ShareOptions, audience: { communityIds: string[] }): PreparedBatch {
  const b = new BatchBuilder(share, audience);
  for (const item of items) b.add(item);
  return b.take();
}

/**
 * Prepares items one at a time as they arrive (an ingest job adds each element as soon as it is read):
 * the parsed object is validated and turned into its row at once, so the batch keeps rows, not a
 * backlog of parsed objects waiting for validation.
 */
export class BatchBuilder {
  private rows: StoredObjectRow[] = [];
  private outcomes: Outcome[] = [];
  private rowOutcome: number[] = [];
  private seen = new Map<string, number>();

  constructor(
    private readonly share: ShareOptions,
    private readonly audience: { communityIds: string[] },
  ) {}

  /** Items added since the last take(). */
  get size(): number {
    return this.outcomes.length;
  }

  add(item: BatchItem): void {
    const { rows, outcomes, rowOutcome, seen } = this;
    if (item.failure) {
      const { rule, path, message } = item.failure;
      outcomes.push({ index: item.index, id: item.failure.id ?? null, type: null, outcome: 'rejected', errors: [{ rule, path, message }] });
      return;
    }
    const v = item.value as Record<string, unknown> | null;
    const id = v && typeof v === 'object' && typeof v.id === 'string' ? v.id : null;
    const type = v && typeof v === 'object' && typeof v.type === 'string' ? v.type : null;
    let p;
    try {
      p = prepareObject(item.value, this.share, this.audience, item.text);
    } catch (e) {
      // A resource failure (a stack overflow on absurd nesting): the object is rejected, the batch goes on.
      p = { ok: false as const, id, errors: [{ rule: 'internal', path: '$', message: (e as Error).message }] };
    }
    if (!p.ok) {
      outcomes.push({ index: item.index, id, type, outcome: 'rejected', errors: p.errors.map((e) => ({ rule: e.rule, path: e.path, message: e.message })) });
      return;
    }
    const k = key(p.row.id, p.row.version);
    const earlier = seen.get(k);
    if (earlier !== undefined) {
      // The same id and version twice in one input: identical → a duplicate; different → the later one is refused.
      const same = sameContent(rows[earlier]!, p.row);
      outcomes.push(
        same
          ? { index: item.index, id, type, outcome: 'duplicate' }
          : { index: item.index, id, type, outcome: 'rejected', errors: [{ rule: 'bundle-duplicate', path: '$.id', message: `same id and modified as the object at index ${outcomes[rowOutcome[earlier]!]!.index}, with different content` }] },
      );
      return;
    }
    seen.set(k, rows.length);
    rows.push(p.row);
    rowOutcome.push(outcomes.length);
    outcomes.push({ index: item.index, id, type, outcome: 'duplicate' });
  }

  /** The batch so far; the builder starts a new one. */
  take(): PreparedBatch {
    const batch = { rows: this.rows, outcomes: this.outcomes, rowOutcome: this.rowOutcome };
    this.rows = [];
    this.outcomes = [];
    this.rowOutcome = [];
    this.seen = new Map();
    return batch;
  }
}

export interface BatchCounts {
  inserted: number;
  duplicates: number;
  rejected: number;
}

/** Stores a prepared batch in `tx` (with its audit entry and live events); settles each row's outcome. */
export async function writeBatch(tx: Tx, repo: IntelRepo, share: ShareOptions, batch: PreparedBatch, details: Record<string, unknown> = {}): Promise<BatchCounts> {
  const inserted = batch.rows.length ? await storeRows(tx, repo, share, batch.plan ?? batch.rows, details) : [];
  for (const r of inserted) batch.outcomes[batch.rowOutcome[r.index]!]!.outcome = 'inserted';
  return countOutcomes(batch.outcomes);
}

export function countOutcomes(outcomes: Outcome[]): BatchCounts {
  const c = { inserted: 0, duplicates: 0, rejected: 0 };
  for (const o of outcomes) {
    if (o.outcome === 'inserted') c.inserted++;
    else if (o.outcome === 'duplicate') c.duplicates++;
    else c.rejected++;
  }
  return c;
}
