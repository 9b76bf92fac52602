import { SqlEntityRepository, type EntityManager } from "@mikro-orm/sql";
import { vectorLiteral } from "../../db/vector-literal.js";
import { query, sql } from "../../db/sql.js";
import type { EmbeddingJob, EmbeddingQueue } from "../../embedding/embedding-queue.js";
import { MemoryEntity, type MemoryRow } from "../memory.entity.js";

const PENDING = { embeddingStatus: "pending", deleteTime: null } as const;
/** Workspaces a claim looks at before it gives up (each emptied by another worker meanwhile). */
const CLAIM_TRIES = 3;

/**
 * Since when a pending job may be claimed: its write, or the end of its lease or backoff. The
 * queue's index is in this order (memory.entity.ts), so the due jobs are its first rows whatever
 * the backlog, and the first row says when the next will be: in write order, nextRetryTime read
 * every pending memory, 92-200 ms on Postgres for a backlog of 100k all leased or backing off.
 */
const DUE_SINCE = sql`coalesce(embedding_retry_time, update_time)`;

/**
 * How far ahead of this server's clock another's may run: a job its write made due "later" than
 * now is still claimed. It bounds the claim's read of the index to the jobs due by then.
 */
const CLOCK_SKEW_MS = 60_000;

/** A job waiting for its vector: the rows of the queue's index. */
const WAITING = sql`embedding_status = 'pending' and delete_time is null`;

/** A job that may be claimed now: pending, and not leased or backing off. */
const due = (now: Date) => sql`${WAITING}
  and (embedding_retry_time is null or embedding_retry_time <= ${now})
  and ${DUE_SINCE} <= ${new Date(now.getTime() + CLOCK_SKEW_MS)}`;

/**
 * The memories table seen as a queue of texts waiting for their vectors. Claiming and attaching
 * are SQL for SKIP LOCKED and one-statement batches; the rest goes through the ORM.
 */
export class EmbeddingQueueRepository extends SqlEntityRepository<MemoryRow> implements EmbeddingQueue {
  constructor(em: EntityManager) {
    super(em, MemoryEntity);
  }

  /**
   * Leases up to `limit` pending memories to this worker, all of one workspace: the one whose
   * job has been due longest, then its jobs that have been due longest. SKIP LOCKED lets any
   * number of workers claim side by side; the lease (retry time) hands a job to another worker when its claimer dies
   * before finishing. One workspace per claim keeps the locking statement on one shard when
   * Citus distributes memories by workspace (a multi-shard FOR UPDATE is refused there).
   */
  async claim(limit: number, leaseMs: number, now: Date): Promise<EmbeddingJob[]> {
    const passed: string[] = [];
    // Another worker may take a workspace's jobs between the two statements: try the next one.
    for (let tries = 0; tries < CLAIM_TRIES; tries++) {
      const [oldest] = await query<{ workspace_id: string }>(
        this.em,
        sql`select workspace_id from memories where ${due(now)} and workspace_id <> all(${passed}::text[])
          order by ${DUE_SINCE} limit 1`,
      );
      if (oldest === undefined) return [];
      const jobs = await this.claimIn(oldest.workspace_id, limit, leaseMs, now);
      if (jobs.length > 0) return jobs;
      passed.push(oldest.workspace_id);
    }
    return [];
  }

  /**
   * The locked rows are chosen once, in a materialized CTE. As a subquery in the update's FROM,
   * the planner could put it on the inner side of a nested loop (a table never analysed looks
   * like one row) and rescan it for every row: each rescan skipped the rows this statement had
   * just updated and locked the next ones, so a claim of 32 took all 100 due jobs.
   */
  private async claimIn(workspaceId: string, limit: number, leaseMs: number, now: Date): Promise<EmbeddingJob[]> {
    const rows = await query<{ workspace_id: string; id: string; content: string; embedding_attempts: number }>(
      this.em,
      sql`with claimed as materialized (
          select id from memories where workspace_id = ${workspaceId} and ${due(now)}
          order by ${DUE_SINCE} limit ${limit} for update skip locked)
        update memories m
          set embedding_retry_time = ${new Date(now.getTime() + leaseMs)}, embedding_attempts = m.embedding_attempts + 1
        from claimed
        where m.workspace_id = ${workspaceId} and m.id = claimed.id
        returning m.workspace_id, m.id, m.content, m.embedding_attempts`,
    );
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      id: r.id,
      content: r.content,
      attempts: r.embedding_attempts,
    }));
  }

  /**
   * Extends a claim whose embedding takes longer than its lease. A job's lease is its retry
   * time: one that no longer reads `heldUntil` was finished, re-queued by a write or, its lease
   * run out, claimed by another worker, and is left alone.
   */
  async renew(jobs: EmbeddingJob[], heldUntil: Date, until: Date): Promise<number> {
    if (jobs.length === 0) return 0;
    const rows = await query(
      this.em,
      sql`update memories m set embedding_retry_time = ${until}
        from unnest(${jobs.map((j) => j.workspaceId)}::text[], ${jobs.map((j) => j.id)}::uuid[]) as j(workspace_id, id)
        where m.workspace_id = j.workspace_id and m.id = j.id and m.embedding_status = 'pending'
          and m.embedding_retry_time = ${heldUntil}
        returning m.id`,
    );
    return rows.length;
  }

  /**
   * Stores each job's vector, in one statement, unless its content changed since it was
   * claimed (that change re-queued it). Returns how many were stored.
   */
  async attach(jobs: EmbeddingJob[], vectors: number[][], model: string): Promise<number> {
    if (jobs.length === 0) return 0;
    const rows = await query(
      this.em,
      sql`update memories m set embedding = v.embedding::vector, embedding_model = ${model},
          embedding_status = 'attached', embedding_attempts = 0, embedding_retry_time = null
        from unnest(${jobs.map((j) => j.workspaceId)}::text[], ${jobs.map((j) => j.id)}::uuid[],
          ${jobs.map((j) => j.content)}::text[], ${vectors.map((v) => vectorLiteral(v))}::text[])
          as v(workspace_id, id, content, embedding)
        where m.workspace_id = v.workspace_id and m.id = v.id and m.content = v.content
          and m.embedding_status = 'pending'
        returning m.id`,
    );
    return rows.length;
  }

  /**
   * When the first pending job may be claimed: now for one never tried (a claim that just found
   * none free met them locked by another claim), else the first lease or backoff to run out;
   * null when none waits. The first row of the queue's index says (DUE_SINCE).
   */
  async nextRetryTime(): Promise<Date | null> {
    const [first] = await query<{ embedding_retry_time: Date | string | null }>(
      this.em,
      sql`select embedding_retry_time from memories where ${WAITING} order by ${DUE_SINCE} limit 1`,
    );
    if (first === undefined) return null;
    return first.embedding_retry_time === null ? new Date() : new Date(first.embedding_retry_time);
  }

  /** Puts a job back to be tried at `retryTime`, or marks it FAILED for good. */
  async release(job: EmbeddingJob, retryTime: Date, failed: boolean): Promise<void> {
    await this.nativeUpdate(
      { workspaceId: job.workspaceId, id: job.id, embeddingStatus: "pending" },
      { embeddingRetryTime: retryTime, embeddingStatus: failed ? "failed" : "pending" },
    );
  }

  /** Queues memories embedded by another model (or every memory) for re-embedding. */
  async requeue({ model, everything }: { model: string; everything: boolean }): Promise<number> {
    const stale = {
      $or: [
        { embeddingStatus: { $ne: "attached" as const } },
        { embeddingModel: { $ne: model } },
        { embeddingModel: null },
      ],
    };
    return this.nativeUpdate(
      { deleteTime: null, ...(everything ? {} : stale) },
      { embeddingStatus: "pending", embeddingAttempts: 0, embeddingRetryTime: null },
    );
  }

  async countPending(): Promise<number> {
    return this.count(PENDING);
  }

  /** The n of the vector(n) column, which every embedder must match. */
  async columnDimensions(): Promise<number> {
    const rows = await query<{ type: string }>(
      this.em,
      sql`select format_type(atttypid, atttypmod) as type from pg_attribute
        where attrelid = 'memories'::regclass and attname = 'embedding'`,
    );
    const match = /vector\((\d+)\)/.exec(rows[0]?.type ?? "");
    if (!match) throw new Error(`memories.embedding has an unexpected type: ${rows[0]?.type}`);
    return Number(match[1]);
  }
}
