import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/sql";
import {
  GetErasureReceiptResponseSchema,
  ListErasureReceiptsResponseSchema,
  type EraseMemoriesRequest,
  type EraseMemoriesResponse,
  type GetErasureReceiptRequest,
  type GetErasureReceiptResponse,
  type ListErasureReceiptsRequest,
  type ListErasureReceiptsResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { actingViewer, principalOf } from "../auth/principal.js";
import { DomainError, invalidArgument } from "../errors/domain-error.js";
import { isUuid } from "../ids.js";
import { idAfter, idPage, pageSizeOf } from "../paging.js";
import { ErasureReceiptRepository, type ReceiptReader } from "./erasure-receipt.repository.js";
import type { Erasures } from "./erasures.js";

/** MemoryService's erasure methods (MemoryServiceImpl hands them here). */
export class ErasureHandlers {
  constructor(
    private readonly em: EntityManager,
    private readonly erasures: Erasures,
  ) {}

  eraseMemories(req: EraseMemoriesRequest, ctx: HandlerContext): AsyncGenerator<EraseMemoriesResponse> {
    const viewer = actingViewer(ctx, actingAgentOf(req));
    return this.erasures.erase({ viewer, keyId: principalOf(ctx).keyId }, req);
  }

  async listErasureReceipts(
    req: ListErasureReceiptsRequest,
    ctx: HandlerContext,
  ): Promise<ListErasureReceiptsResponse> {
    const pageSize = pageSizeOf(req.pageSize);
    const rows = await this.receipts().list(readerOf(ctx), idAfter(req.pageToken), pageSize + 1);
    const { page, nextPageToken } = idPage(rows, pageSize);
    return create(ListErasureReceiptsResponseSchema, { receipts: page, nextPageToken });
  }

  async getErasureReceipt(req: GetErasureReceiptRequest, ctx: HandlerContext): Promise<GetErasureReceiptResponse> {
    const receipt = isUuid(req.id) ? await this.receipts().find(readerOf(ctx), req.id) : null;
    if (receipt === null) {
      throw new DomainError("not_found", "ERASURE_RECEIPT_NOT_FOUND", `erasure receipt ${req.id} not found`);
    }
    return create(GetErasureReceiptResponseSchema, { receipt });
  }

  private receipts(): ErasureReceiptRepository {
    return new ErasureReceiptRepository(this.em.fork());
  }
}

/** An admin key reads every receipt of its workspace; another key the receipts of its own erasures. */
function readerOf(ctx: HandlerContext): ReceiptReader {
  const principal = principalOf(ctx);
  return { workspaceId: principal.workspaceId, admin: principal.scopes.has("admin"), keyId: principal.keyId };
}

/** The acting agent, named by agent_id or, with a filter, by filter.agent_id; naming two is refused. */
function actingAgentOf(req: EraseMemoriesRequest): string {
  const inFilter = req.filter?.agentId ?? "";
  if (req.agentId !== "" && inFilter !== "" && req.agentId !== inFilter) {
    throw invalidArgument("agent_id", "AGENT_CONFLICT", "agent_id and filter.agent_id name different agents");
  }
  return req.agentId || inFilter;
}
