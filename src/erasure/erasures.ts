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
import { foldWorkspaceTallies } from "../graph/tallies/folds.js";
import { ErasureRepository, type StoreCounts } from "./erasure.repository.js";
import { erasureTarget, possibleIds, type ErasureSelection, type ErasureTarget } from "./erasure-selection.js";

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
  /** Called once a whole erasure that erased something is done (to scrub the embedded files). */
  onFinished?: () => void;
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
    if (req.dryRun) {
      const checked = listed === null ? target : { ids: listed };
      yield await this.dryRun(repo, viewer, checked, { receipt, now, started });
      return;
    }
    const total = listed?.length ?? (await repo.countSelected(viewer, selectionOf(target), now));
    const batches =
      listed === null ? this.selectedBatches(viewer, selectionOf(target), now) : chunks(listed, this.batchSize);
    const digest = new ErasedIdsDigest();
    let counts = ZERO;
    for await (const ids of batches) {
      const done = await this.eraseBatch(viewer.workspaceId, ids, receipt, { counts, digest, started });
      counts = add(counts, done.counts);
      digest.add(done.ids);
      receipt.batches++;
      yield progress(counts.memories, total);
      // A selection's batch that erased nothing (its memories went another way meanwhile) ends it.
      if (listed === null && done.ids.length === 0) break;
    }
    Object.assign(receipt, finished(counts, digest, started), { complete: true });
    await new ErasureReceiptRepository(this.deps.em.fork()).save(viewer.workspaceId, receipt);
    if (counts.memories > 0) this.deps.onFinished?.();
    yield create(EraseMemoriesResponseSchema, { event: { case: "receipt", value: receipt } });
  }

  /** What the erasure would remove (one statement) and the digest of the ids it would erase. */
  private async dryRun(
    repo: ErasureRepository,
    viewer: Viewer,
    target: ErasureTarget,
    { receipt, now, started }: { receipt: ErasureReceipt; now: Date; started: number },
  ): Promise<EraseMemoriesResponse> {
    const counts = await ("ids" in target
      ? repo.counts(viewer.workspaceId, target.ids)
      : repo.countSelection(viewer, target.selection, now));
    const digest = new ErasedIdsDigest();
    const pages = "ids" in target ? [target.ids] : this.selectedIds(viewer, target.selection, now);
    for await (const ids of pages) digest.add(ids);
    receipt.batches = Math.ceil(counts.memories / this.batchSize);
    Object.assign(receipt, finished(counts, digest, started), { complete: true });
    return create(EraseMemoriesResponseSchema, { event: { case: "receipt", value: receipt } });
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

  /** The selection's memories a batch at a time: each erasure reads the first batch again (the last one's are gone). */
  private async *selectedBatches(viewer: Viewer, selection: ErasureSelection, now: Date) {
    for (;;) {
      const repo = new ErasureRepository(this.deps.em.fork());
      const ids = await repo.selected(viewer, selection, { now, after: null, limit: this.batchSize });
      if (ids.length === 0) return;
      yield ids;
    }
  }

  /** The selection's ids a page at a time, for a dry run's digest: at most a page is held. */
  private async *selectedIds(viewer: Viewer, selection: ErasureSelection, now: Date) {
    let after: string | null = null;
    for (;;) {
      const repo = new ErasureRepository(this.deps.em.fork());
      const ids = await repo.selected(viewer, selection, { now, after, limit: this.batchSize });
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
      // The tallies' rows naming what went are summed away before the batch commits (decision 0029).
      await foldWorkspaceTallies(tem, workspaceId);
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
