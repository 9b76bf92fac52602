import { create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import { v7 as uuidv7 } from "uuid";
import type { BatchWriteResult, WriteMemoryRequest } from "../../gen/ts/engram/v1/memory_service_pb.js";
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
  type StagedWrite,
  type StagedWriteService,
} from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import { principalOf, viewerFor, type Principal } from "../auth/principal.js";
import { DomainError } from "../errors/domain-error.js";
import { isUuid } from "../ids.js";
import { idAfter, pageSizeOf } from "../paging.js";
import type { ReadableIds } from "../memory/successors.js";
import type { MemoryWrites, WithinWrites } from "../memory/write/writes.js";
import { readableAnswers } from "../memory/write/readable-answers.js";
import type { StagedWriteDraft } from "./staged-write.entity.js";
import { bodyOf, toProto } from "./staged-write.mapper.js";
import { agentsOf, assertResolvable, stagedRequests } from "./staged-write-rules.js";
import { StagedWriteRepository, type ListedState, type StagedWriteReader } from "./staged-write.repository.js";

export interface StagedWriteServiceDeps {
  em: EntityManager;
  /** The write pipeline MemoryService uses: staging previews with it, applying writes with it. */
  writes: MemoryWrites;
  /** Which memories a reader may read: the answers shown leave out the others. */
  readableIds: ReadableIds;
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
    const requests = stagedRequests(principal, req.requests);
    const agentIds = agentsOf(requests);
    const row = (body: Pick<StagedWrite, "preview" | "results">, resolved: boolean): StagedWriteDraft => ({
      workspaceId: principal.workspaceId,
      id: uuidv7(),
      agentId: agentIds.length === 1 ? (agentIds[0] ?? null) : null,
      agentIds,
      stagedByKeyId: principal.keyId,
      state: resolved ? "applied" : "pending",
      body: Buffer.from(bodyOf({ requests, atomic: req.atomic, ...body })),
      createTime: now,
      expireTime: new Date(now.getTime() + this.ttlMs(req.ttl)),
      resolveTime: resolved ? now : null,
    });
    let stored: StagedWriteDraft;
    if (req.apply) {
      // One transaction for the writes and the record of them: an applied staged write, or nothing.
      let applied: StagedWriteDraft | null = null;
      await this.run(principal, requests, req.atomic, {
        before: async () => {},
        after: async (tem, results) => {
          applied = row({ preview: [], results }, true);
          await new StagedWriteRepository(tem).add(applied);
        },
      });
      if (applied === null) throw new Error("the writes' transaction committed without recording its staged write");
      stored = applied;
    } else {
      const preview = await this.run(
        principal,
        requests.map((r) => ({ ...r, validateOnly: true })),
        req.atomic,
      );
      stored = row({ preview, results: [] }, false);
      await new StagedWriteRepository(this.deps.em.fork()).add(stored);
    }
    return create(CreateStagedWriteResponseSchema, {
      stagedWrite: (await this.readable(this.readerOf(principal, stored.agentId ?? ""), toProto(stored, now)))[0],
    });
  }

  async listStagedWrites(req: ListStagedWritesRequest, ctx: HandlerContext) {
    const reader = this.readerOf(principalOf(ctx), req.agentId);
    const after = idAfter(req.pageToken);
    const pageSize = pageSizeOf(req.pageSize);
    const now = this.now();
    const { page, nextAfter } = await new StagedWriteRepository(this.deps.em.fork()).listVisible({
      reader,
      state: LISTED[req.state],
      after,
      pageSize,
      now,
    });
    return create(ListStagedWritesResponseSchema, {
      stagedWrites: await this.readable(reader, ...page.map((row) => toProto(row, now))),
      nextPageToken: nextAfter ?? "",
    });
  }

  async getStagedWrite(req: GetStagedWriteRequest, ctx: HandlerContext) {
    const reader = this.readerOf(principalOf(ctx), req.agentId);
    const row = await this.visible(new StagedWriteRepository(this.deps.em.fork()), reader, req.id);
    const [stagedWrite] = await this.readable(reader, toProto(row, this.now()));
    return create(GetStagedWriteResponseSchema, { stagedWrite });
  }

  async applyStagedWrite(req: ApplyStagedWriteRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const reader = this.readerOf(principal, req.agentId);
    const staged = toProto(
      await this.visible(new StagedWriteRepository(this.deps.em.fork()), reader, req.id),
      this.now(),
    );
    let applied: StagedWriteDraft | null = null;
    await this.run(principal, staged.requests, staged.atomic, {
      // Locked and checked again inside the writes' transaction: two applies cannot both write.
      before: async (tem) => {
        const row = await this.pending(new StagedWriteRepository(tem), reader, req.id);
        applied = { ...row, state: "applied", resolveTime: this.now() };
      },
      after: async (tem, results) => {
        if (applied === null) return;
        applied.body = Buffer.from(bodyOf({ ...staged, results }));
        await new StagedWriteRepository(tem).resolve(applied);
      },
    });
    if (applied === null) throw new Error("the writes' transaction committed without resolving its staged write");
    const [stagedWrite] = await this.readable(reader, toProto(applied, this.now()));
    return create(ApplyStagedWriteResponseSchema, { stagedWrite });
  }

  async discardStagedWrite(req: DiscardStagedWriteRequest, ctx: HandlerContext) {
    const reader = this.readerOf(principalOf(ctx), req.agentId);
    const now = this.now();
    const row = await this.deps.em.fork().transactional(async (tem) => {
      const repository = new StagedWriteRepository(tem);
      const pending = await this.pending(repository, reader, req.id);
      const discarded = { ...pending, state: "discarded" as const, resolveTime: now };
      await repository.resolve(discarded);
      return discarded;
    });
    const [stagedWrite] = await this.readable(reader, toProto(row, now));
    return create(DiscardStagedWriteResponseSchema, { stagedWrite });
  }

  /** The writes as a batch through MemoryWrites: all or nothing when atomic, else each on its own. */
  private async run(
    principal: Principal,
    requests: WriteMemoryRequest[],
    atomic: boolean,
    within?: WithinWrites,
  ): Promise<BatchWriteResult[]> {
    return this.deps.writes.writeBatch(principal, requests, { atomic, within });
  }

  private readerOf(principal: Principal, agentId: string): StagedWriteReader {
    return { viewer: viewerFor(principal, agentId), keyId: principal.keyId };
  }

  /** The staged writes as the reader may see them now: only memories it may read left in their answers. */
  private async readable(reader: StagedWriteReader, ...stagedWrites: StagedWrite[]): Promise<StagedWrite[]> {
    const readable = await readableAnswers(
      reader.viewer,
      stagedWrites.flatMap((s) => [s.preview, s.results]),
      this.deps.readableIds,
    );
    return stagedWrites.map((s, i) => ({ ...s, preview: readable[2 * i] ?? [], results: readable[2 * i + 1] ?? [] }));
  }

  private async visible(
    repository: StagedWriteRepository,
    reader: StagedWriteReader,
    id: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<StagedWriteDraft> {
    const row = isUuid(id) ? await repository.findVisible(reader, id, options) : null;
    if (row === null) throw new DomainError("not_found", "STAGED_WRITE_NOT_FOUND", `staged write ${id} not found`);
    return row;
  }

  /** A staged write the caller may resolve, still pending, locked for the transaction. */
  private async pending(
    repository: StagedWriteRepository,
    reader: StagedWriteReader,
    id: string,
  ): Promise<StagedWriteDraft> {
    const row = await this.visible(repository, reader, id, { forUpdate: true });
    assertResolvable(row, reader, this.now());
    return row;
  }

  /** The requested time to live, never longer than the server's. */
  private ttlMs(ttl: Duration | undefined): number {
    if (ttl === undefined) return this.deps.ttlMs;
    const requested = Number(ttl.seconds) * 1000 + Math.ceil(ttl.nanos / 1e6);
    return Math.min(Math.max(1, requested), this.deps.ttlMs);
  }
}
