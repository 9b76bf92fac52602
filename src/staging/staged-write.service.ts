import { create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import {
  BatchWriteResultSchema,
  WriteMemoryRequestSchema,
  type BatchWriteResult,
  type WriteMemoryRequest,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import {
  ApplyStagedWriteResponseSchema,
  CreateStagedWriteResponseSchema,
  DiscardStagedWriteResponseSchema,
  GetStagedWriteResponseSchema,
  ListStagedWritesResponseSchema,
  StagedWriteState,
  type ApplyStagedWriteRequest,
  type CreateStagedWriteRequest,
  type DiscardStagedWriteRequest,
  type GetStagedWriteRequest,
  type ListStagedWritesRequest,
  type StagedWriteService,
} from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import { actingViewer, principalOf, viewerFor, type Principal, type Viewer } from "../auth/principal.js";
import { DomainError, invalidArgument } from "../errors/domain-error.js";
import { isUuid } from "../ids.js";
import type { MemoryWrites } from "../memory/memory-writes.js";
import type { StagedWriteRow } from "./staged-write.entity.js";
import { bodyOf, stateOf, toProto } from "./staged-write.mapper.js";
import { StagedWriteRepository, type ListedState } from "./staged-write.repository.js";

const DEFAULT_PAGE_SIZE = 50;

export interface StagedWriteServiceDeps {
  em: EntityManager;
  /** The write pipeline MemoryService uses: staging previews with it, applying writes with it. */
  writes: MemoryWrites;
  /** The longest a staged write may wait (ENGRAM_STAGED_WRITE_TTL_HOURS). */
  ttlMs: number;
  now?: () => Date;
}

const LISTED: Record<StagedWriteState, ListedState> = {
  [StagedWriteState.UNSPECIFIED]: "any",
  [StagedWriteState.PENDING]: "pending",
  [StagedWriteState.APPLIED]: "applied",
  [StagedWriteState.DISCARDED]: "discarded",
  [StagedWriteState.EXPIRED]: "expired",
};

/**
 * engram.v1.StagedWriteService. Staging runs the writes as validate_only through the same
 * pipeline (validation, permissions and the write guard, exactly), and keeps the answers as
 * the preview; applying runs them for real, in one transaction with the state change, so a
 * staged write is applied once or not at all.
 */
export class StagedWriteServiceImpl implements ServiceImpl<typeof StagedWriteService> {
  private readonly now: () => Date;

  constructor(private readonly deps: StagedWriteServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async createStagedWrite(req: CreateStagedWriteRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const now = this.now();
    // Each write names its acting agent, so that applying it later (by an admin, say) writes as that agent.
    const requests = req.requests.map((r) => {
      const agentId = viewerFor(principal, r.memory?.agentId ?? "").agentId ?? "";
      return create(WriteMemoryRequestSchema, { ...r, memory: r.memory && { ...r.memory, agentId } });
    });
    const preview = await this.run(
      principal,
      requests.map((r) => ({ ...r, validateOnly: true })),
      req.atomic,
    );
    const agents = new Set(requests.map((r) => r.memory?.agentId ?? ""));
    const row: StagedWriteRow = {
      workspaceId: principal.workspaceId,
      id: uuidv7(),
      agentId: principal.boundAgentId ?? (agents.size === 1 ? [...agents][0] || null : null),
      stagedByKeyId: principal.keyId,
      state: "pending",
      body: Buffer.from(bodyOf({ requests, atomic: req.atomic, preview, results: [] })),
      createTime: now,
      expireTime: new Date(now.getTime() + this.ttlMs(req.ttl)),
      resolveTime: null,
    };
    await new StagedWriteRepository(this.deps.em.fork()).add(row);
    return create(CreateStagedWriteResponseSchema, { stagedWrite: toProto(row, now) });
  }

  async listStagedWrites(req: ListStagedWritesRequest, ctx: HandlerContext) {
    const viewer = actingViewer(ctx, req.agentId);
    if (req.pageToken !== "" && !isUuid(req.pageToken)) {
      throw invalidArgument("page_token", "INVALID_PAGE_TOKEN", "page_token is not one this server issued");
    }
    const pageSize = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    const now = this.now();
    const rows = await new StagedWriteRepository(this.deps.em.fork()).listVisible(
      viewer,
      LISTED[req.state],
      req.pageToken === "" ? null : req.pageToken,
      pageSize + 1,
      now,
    );
    const page = rows.slice(0, pageSize);
    return create(ListStagedWritesResponseSchema, {
      stagedWrites: page.map((row) => toProto(row, now)),
      nextPageToken: rows.length > pageSize ? (page.at(-1)?.id ?? "") : "",
    });
  }

  async getStagedWrite(req: GetStagedWriteRequest, ctx: HandlerContext) {
    const row = await this.visible(
      new StagedWriteRepository(this.deps.em.fork()),
      actingViewer(ctx, req.agentId),
      req.id,
    );
    return create(GetStagedWriteResponseSchema, { stagedWrite: toProto(row, this.now()) });
  }

  async applyStagedWrite(req: ApplyStagedWriteRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const viewer = viewerFor(principal, req.agentId);
    const staged = toProto(
      await this.visible(new StagedWriteRepository(this.deps.em.fork()), viewer, req.id),
      this.now(),
    );
    let applied: StagedWriteRow | null = null;
    const results = await this.run(principal, staged.requests, staged.atomic, {
      // Locked and checked again inside the writes' transaction: two applies cannot both write.
      before: async (tem) => {
        applied = await this.pending(new StagedWriteRepository(tem), viewer, principal, req.id, { forUpdate: true });
      },
      after: async (tem, results) => {
        if (applied === null) return;
        await new StagedWriteRepository(tem).resolve(applied, "applied", bodyOf({ ...staged, results }), this.now());
      },
    });
    const row = await this.visible(new StagedWriteRepository(this.deps.em.fork()), viewer, req.id);
    return create(ApplyStagedWriteResponseSchema, { stagedWrite: { ...toProto(row, this.now()), results } });
  }

  async discardStagedWrite(req: DiscardStagedWriteRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const viewer = viewerFor(principal, req.agentId);
    const now = this.now();
    const row = await this.deps.em.fork().transactional(async (tem) => {
      const repository = new StagedWriteRepository(tem);
      const pending = await this.pending(repository, viewer, principal, req.id, { forUpdate: true });
      await repository.resolve(pending, "discarded", pending.body, now);
      return { ...pending, state: "discarded" as const, resolveTime: now };
    });
    return create(DiscardStagedWriteResponseSchema, { stagedWrite: toProto(row, now) });
  }

  /** The writes as a batch through MemoryWrites: all or nothing when atomic, else each on its own. */
  private async run(
    principal: Principal,
    requests: WriteMemoryRequest[],
    atomic: boolean,
    within?: Parameters<MemoryWrites["writeEach"]>[3],
  ): Promise<BatchWriteResult[]> {
    const viewerOf = (r: WriteMemoryRequest) => viewerFor(principal, r.memory?.agentId ?? "");
    const { writes } = this.deps;
    if (!atomic) return writes.writeEach(viewerOf, principal.workspaceId, requests, within);
    const responses = await writes.writeAtomically(viewerOf, principal.workspaceId, requests, within);
    return responses.map((value) => create(BatchWriteResultSchema, { result: { case: "response", value } }));
  }

  private async visible(
    repository: StagedWriteRepository,
    viewer: Viewer,
    id: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<StagedWriteRow> {
    const row = isUuid(id) ? await repository.findVisible(viewer, id, options) : null;
    if (row === null) throw new DomainError("not_found", "STAGED_WRITE_NOT_FOUND", `staged write ${id} not found`);
    return row;
  }

  /**
   * A staged write the caller may resolve, still pending. Resolving takes what changing a
   * memory takes (visibility.ts): the agent it was staged as, or an admin; one staged as no
   * agent, the key that staged it or an admin.
   */
  private async pending(
    repository: StagedWriteRepository,
    viewer: Viewer,
    principal: Principal,
    id: string,
    options: { forUpdate: boolean },
  ): Promise<StagedWriteRow> {
    const row = await this.visible(repository, viewer, id, options);
    const mayResolve =
      viewer.admin || (row.agentId === null ? row.stagedByKeyId === principal.keyId : row.agentId === viewer.agentId);
    if (!mayResolve) {
      throw new DomainError(
        "permission_denied",
        "NOT_OWNER",
        `staged write ${id} was staged by another key; only it or an admin key may apply or discard it`,
      );
    }
    const state = stateOf(row, this.now());
    if (state !== StagedWriteState.PENDING) {
      const word =
        state === StagedWriteState.APPLIED ? "applied" : state === StagedWriteState.DISCARDED ? "discarded" : "expired";
      throw new DomainError(
        "failed_precondition",
        `STAGED_WRITE_${word.toUpperCase()}`,
        `staged write ${id} is ${word}; only a pending staged write can be applied or discarded`,
      );
    }
    return row;
  }

  /** The requested time to live, never longer than the server's. */
  private ttlMs(ttl: Duration | undefined): number {
    if (ttl === undefined) return this.deps.ttlMs;
    const requested = Number(ttl.seconds) * 1000 + Math.ceil(ttl.nanos / 1e6);
    return Math.min(Math.max(1, requested), this.deps.ttlMs);
  }
}
