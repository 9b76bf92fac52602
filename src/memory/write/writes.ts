import { create } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import { EmbeddingStatus } from "../../../gen/ts/engram/v1/memory_pb.js";
import {
  BatchWriteResultSchema,
  type BatchWriteResult,
  type WriteMemoryRequest,
  type WriteMemoryResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Principal } from "../../auth/principal.js";
import { toStatus } from "../../errors/status.js";
import type { WriteGuard } from "./guard/write-guard.js";
import type { MemoryRepository } from "../memory.repository.js";
import type { SupersessionRepository } from "./supersession.repository.js";
import type { NeighbourRepository } from "./guard/neighbour.repository.js";
import { toWriteResponse } from "./result.js";
import type { WriteVectorSource } from "./vectors.js";
import { writeItems, type ItemOutcome } from "./batch-writer.js";
import { claimRequestIds, readableReplays, settleClaims, type Claims } from "./request-ledger.js";
import { admit, type FieldOf } from "./admission.js";
import { isDryRun, type WriteItem } from "./item.js";
import { refusedSupersessions } from "./supersession.js";

export interface MemoryWritesDeps {
  em: EntityManager;
  memories: (em: EntityManager) => MemoryRepository;
  supersessions: (em: EntityManager) => SupersessionRepository;
  neighbours: (em: EntityManager) => NeighbourRepository;
  /** Each write's vector, which MemoryEdits' content updates share. */
  vectors: WriteVectorSource;
  guard: WriteGuard;
  now: () => Date;
  /** Called after a write left a memory PENDING, so the embedding worker looks at once. */
  onPending: () => void;
  /** Called with the number of memories each committed write changed (for table statistics). */
  onWritten: (count: number) => void;
}

/** What must commit or fail together with a batch's writes, in their transaction: a staged write's state. */
export interface WithinWrites {
  before(tem: EntityManager): Promise<void>;
  after(tem: EntityManager, results: BatchWriteResult[]): Promise<void>;
}

const NOTHING_ELSE: WithinWrites = { before: async () => {}, after: async () => {} };

/**
 * The write pipeline for every way of writing (a single write is a batch of one, a dry run is
 * the plan without the apply): each request's vector when the embedder answers in time, the
 * write guard, idempotent request ids, then one plan of upserts by key, merges of repeats and
 * near duplicates, and creations, applied in one transaction.
 */
export class MemoryWrites {
  constructor(private readonly deps: MemoryWritesDeps) {}

  async write(principal: Principal, req: WriteMemoryRequest): Promise<WriteMemoryResponse> {
    const [answer] = await this.writeBatch(principal, [req], { atomic: true, fieldOf: () => "memory" });
    if (answer?.result.case !== "response") throw new Error("a single write answered without a response");
    return answer.result.value;
  }

  /**
   * A batch: `atomic`, all or nothing, the first failure failing it; else each item on its own,
   * a failing item answering with its error while the others commit. One transaction either way.
   */
  async writeBatch(
    principal: Principal,
    requests: readonly WriteMemoryRequest[],
    options: { atomic: boolean; within?: WithinWrites; fieldOf?: FieldOf },
  ): Promise<BatchWriteResult[]> {
    const { atomic, within = NOTHING_ELSE, fieldOf = itemField } = options;
    const { embedded, late } = await this.deps.vectors.forRequests(principal.workspaceId, [...requests]);
    const now = this.deps.now();
    const outcomes = new Map<number, ItemOutcome>();
    const settle = (index: number, outcome: ItemOutcome) => {
      if (atomic && "error" in outcome) throw outcome.error;
      outcomes.set(index, outcome);
    };
    const { answers, applied } = await this.deps.em.fork().transactional(async (tem) => {
      await within.before(tem);
      const items: WriteItem[] = [];
      const admitted = await admit(this.deps.guard, principal, requests, embedded, fieldOf, now);
      admitted.forEach((a, index) => ("item" in a ? items.push(a.item) : settle(index, a)));
      const claims = await claimRequestIds(tem, items, now);
      await readableReplays(claims, items, (viewer, ids) => this.deps.memories(tem).readableIds(viewer, ids));
      for (const [index, error] of claims.refused) settle(index, { error });
      const fresh = items.filter(({ index }) => isFresh(claims, index));
      // After the ledger: a retry of a write that superseded a memory gets its first answer.
      const refused = await refusedSupersessions(this.deps.memories(tem), fresh, fieldOf);
      for (const [index, error] of refused) settle(index, { error });
      const toWrite = fresh.filter(({ index }) => !refused.has(index));
      const written = await writeItems(this.deps, tem, toWrite, {
        admin: principal.scopes.has("admin"),
        isolated: !atomic,
        now,
      });
      for (const [index, outcome] of written) settle(index, outcome);
      const answers = requests.map((_, index) => answerOf(outcomes, claims, index, now));
      await settleClaims(tem, claims.owned, responsesOf(answers));
      await within.after(tem, answers);
      return {
        answers,
        applied: toWrite.filter((item) => !isDryRun(item) && changedSomething(outcomes.get(item.index))),
      };
    });
    this.deps.vectors.attachLate(late);
    const responses = [...responsesOf(answers).values()];
    if (responses.some((r) => r.memory?.embeddingStatus === EmbeddingStatus.PENDING)) this.deps.onPending();
    this.deps.onWritten(applied.length);
    return answers;
  }
}

/** Whether an item is written now: not a retry answered from the ledger, nor refused, nor a repeat of an item of this batch. */
function isFresh(claims: Claims, index: number): boolean {
  return !claims.answered.has(index) && !claims.refused.has(index) && !claims.sameAs.has(index);
}

function answerOf(
  outcomes: ReadonlyMap<number, ItemOutcome>,
  claims: Claims,
  index: number,
  now: Date,
): BatchWriteResult {
  const answer = (result: BatchWriteResult["result"]) => create(BatchWriteResultSchema, { result });
  const retried = claims.answered.get(index);
  if (retried !== undefined) return answer({ case: "response", value: retried });
  const first = claims.sameAs.get(index);
  if (first !== undefined) return answerOf(outcomes, claims, first, now);
  const outcome = outcomes.get(index);
  if (outcome === undefined) throw new Error(`batch item ${index} has no answer`);
  if ("error" in outcome) return answer({ case: "error", value: toStatus(outcome.error) });
  return answer({ case: "response", value: toWriteResponse(outcome.result, now) });
}

/** Whether an item's write changed a memory (and so left a revision and a change to announce). */
function changedSomething(outcome: ItemOutcome | undefined): boolean {
  return outcome !== undefined && "result" in outcome && !["unchanged", "rejected"].includes(outcome.result.outcome);
}

function responsesOf(answers: readonly BatchWriteResult[]): Map<number, WriteMemoryResponse> {
  return new Map(answers.flatMap((a, i) => (a.result.case === "response" ? [[i, a.result.value] as const] : [])));
}

function itemField(i: number): string {
  return `requests[${i}].memory`;
}
