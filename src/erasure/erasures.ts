import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import {
  EraseMemoriesResponseSchema,
  ErasureCountsSchema,
  ErasureReceiptSchema,
  type EraseMemoriesRequest,
  type EraseMemoriesResponse,
  type ErasureReceipt,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import type { Viewer } from "../auth/principal.js";
import { assertCanModify } from "../auth/visibility.js";
import { memoryNotFound } from "../errors/domain-error.js";
import { ErasedIdsDigest } from "./erased-ids-digest.js";
import { ErasureReceiptRepository } from "./erasure-receipt.repository.js";
import { ErasureRepository, type StoreCounts } from "./erasure.repository.js";
import { erasureTarget, possibleIds, type ErasureSelection } from "./erasure-selection.js";

/** Memories erased per transaction: large enough to be quick, small enough not to hold locks long. */
export const ERASURE_BATCH = 200;

export interface ErasuresDeps {
  em: EntityManager;
  now: () => Date;
  batchSize?: number;
  /** Drops what this server's caches hold of a workspace's memories. */
  forgetCached: (workspaceId: string) => void;
  /**
   * Called after each batch commits with how many memories it erased: its tombstones are to be
   * numbered for watchers, and the other servers told to drop their caches too.
   */
  onErased: (workspaceId: string, count: number) => void;
  /** Leaves no trace of erased rows in the database's files (embedded-scrub.ts), before the receipt. */
  scrub?: (em: EntityManager) => Promise<void>;
}

/** Who erases: the viewer (its workspace and acting agent) and the key asking. */
export interface Eraser {
  viewer: Viewer;
  keyId: string;
}

const ZERO: StoreCounts = {
  memories: 0,
  revisions: 0,
  changes: 0,
  stagedWrites: 0,
  writeRequests: 0,
  mentions: 0,
  entities: 0,
  entityMerges: 0,
};

/**
 * EraseMemories: the memories a request names or selects go from every store, a batch per
 * transaction, the receipt kept in the same transaction as each batch (so it always says what
 * was erased, even of an erasure the server stopped in the middle of). A dry run only counts.
 */
export class Erasures {
  constructor(private readonly deps: ErasuresDeps) {}

  async *erase({ viewer, keyId }: Eraser, req: EraseMemoriesRequest): AsyncGenerator<EraseMemoriesResponse> {
    const started = performance.now();
    const target = erasureTarget(req);
    const now = this.deps.now();
    const repo = new ErasureRepository(this.deps.em.fork());
    const listed = "ids" in target ? await this.checkedIds(repo, viewer, target.ids) : null;
    const total = listed?.length ?? (await repo.countSelected(viewer, selectionOf(target), now));
    const receipt = create(ErasureReceiptSchema, {
      id: req.dryRun ? "" : uuidv7(),
      time: timestampFromDate(now),
      keyId,
      agentId: viewer.agentId ?? "",
      requestedIds: req.ids.length,
      dryRun: req.dryRun,
      ...("selection" in target
        ? { filter: req.filter, createdAfter: req.createdAfter, createdBefore: req.createdBefore }
        : {}),
      ownerAgentId: req.ownerAgentId,
    });
    const batches =
      listed === null
        ? this.selectedBatches(viewer, selectionOf(target), now, req.dryRun)
        : chunks(listed, this.batchSize);
    const digest = new ErasedIdsDigest();
    let counts = ZERO;
    for await (const ids of batches) {
      const done = req.dryRun
        ? { counts: await repo.counts(viewer.workspaceId, ids), ids }
        : await this.eraseBatch(viewer.workspaceId, ids, receipt, { counts, digest, started });
      counts = add(counts, done.counts);
      digest.add(done.ids);
      receipt.batches++;
      if (!req.dryRun) yield progress(counts.memories, total);
    }
    if (!req.dryRun && counts.memories > 0) await this.deps.scrub?.(this.deps.em.fork());
    Object.assign(receipt, finished(counts, digest, started), { complete: true });
    if (!req.dryRun) await new ErasureReceiptRepository(this.deps.em.fork()).save(viewer.workspaceId, receipt);
    yield create(EraseMemoriesResponseSchema, { event: { case: "receipt", value: receipt } });
  }

  private get batchSize(): number {
    return this.deps.batchSize ?? ERASURE_BATCH;
  }

  /** Every listed id must be a memory the viewer may read (else NOT_FOUND) and change (else PERMISSION_DENIED). */
  private async checkedIds(repo: ErasureRepository, viewer: Viewer, ids: readonly string[]): Promise<string[]> {
    const readable = new Map((await repo.readable(viewer, possibleIds(ids))).map((m) => [m.id, m]));
    for (const id of ids) {
      const memory = readable.get(id.toLowerCase());
      if (memory === undefined) throw memoryNotFound(id);
      assertCanModify(viewer, memory);
    }
    return [...readable.keys()];
  }

  /**
   * The selection's memories a batch at a time. An erasure reads the first batch again each time
   * (the last one's memories are gone); a dry run pages on. Either way at most a batch of ids
   * is held, however many the selection takes.
   */
  private async *selectedBatches(viewer: Viewer, selection: ErasureSelection, now: Date, dryRun: boolean) {
    let after: string | null = null;
    for (;;) {
      const repo = new ErasureRepository(this.deps.em.fork());
      const ids = await repo.selected(viewer, selection, { now, after: dryRun ? after : null, limit: this.batchSize });
      if (ids.length === 0) return;
      yield ids;
      after = ids.at(-1) ?? null;
    }
  }

  private async eraseBatch(
    workspaceId: string,
    ids: readonly string[],
    receipt: ErasureReceipt,
    sofar: { counts: StoreCounts; digest: ErasedIdsDigest; started: number },
  ): Promise<{ counts: StoreCounts; ids: string[] }> {
    const done = await this.deps.em.fork().transactional(async (tem) => {
      const { counts, erased: erasedIds } = await new ErasureRepository(tem).eraseBatch(workspaceId, ids);
      const kept = create(ErasureReceiptSchema, {
        ...receipt,
        batches: receipt.batches + 1,
        ...finished(add(sofar.counts, counts), sofar.digest.with(erasedIds), sofar.started),
      });
      await new ErasureReceiptRepository(tem).save(workspaceId, kept);
      return { counts, ids: erasedIds };
    });
    this.deps.forgetCached(workspaceId);
    this.deps.onErased(workspaceId, done.ids.length);
    return done;
  }
}

function selectionOf(target: ReturnType<typeof erasureTarget>): ErasureSelection {
  if (!("selection" in target)) throw new Error("an erasure by ids has no selection");
  return target.selection;
}

function* chunks(ids: readonly string[], size: number): Generator<string[]> {
  for (let i = 0; i < ids.length; i += size) yield ids.slice(i, i + size);
}

function add(a: StoreCounts, b: StoreCounts): StoreCounts {
  const sum = { ...a };
  for (const key of Object.keys(b) as (keyof StoreCounts)[]) sum[key] += b[key];
  return sum;
}

/** The receipt's fields that say what was erased, and how long it took so far. */
function finished(counts: StoreCounts, digest: ErasedIdsDigest, started: number) {
  const inProto = Object.fromEntries(Object.entries(counts).map(([store, n]) => [store, BigInt(n as number)]));
  return {
    counts: create(ErasureCountsSchema, inProto),
    erasedIdsDigest: digest.hex(),
    duration: durationFromMs(Math.round(performance.now() - started)),
  };
}

function progress(erased: number, total: number): EraseMemoriesResponse {
  return create(EraseMemoriesResponseSchema, {
    event: { case: "progress", value: { erased: BigInt(erased), total: BigInt(Math.max(total, erased)) } },
  });
}
