import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  ApiKeySchema as ApiKeyMessageSchema,
  CreateApiKeyResponseSchema,
  ListApiKeysResponseSchema,
  RevokeApiKeyResponseSchema,
  type ApiKeyService,
  type CreateApiKeyRequest,
  type ListApiKeysRequest,
  type RevokeApiKeyRequest,
} from "../../gen/ts/engram/v1/api_key_service_pb.js";
import { DomainError, requiredField } from "../errors/domain-error.js";
import { isUuid } from "../ids.js";
import { idAfter, idPage, pageSizeOf } from "../paging.js";
import type { ApiKeys } from "./api-keys.js";
import type { ApiKeyRecord } from "./api-key.repository.js";
import { principalOf, type Scope } from "./principal.js";

/** engram.v1.ApiKeyService: key management inside the caller's workspace (admin scope). */
export class ApiKeyServiceImpl implements ServiceImpl<typeof ApiKeyService> {
  constructor(private readonly apiKeys: ApiKeys) {}

  async createApiKey(req: CreateApiKeyRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const key = requiredField(req.apiKey, "api_key");
    const { record, secret } = await this.apiKeys.create({
      workspaceId: principal.workspaceId,
      displayName: key.displayName,
      scopes: key.scopes as Scope[],
      agentId: key.agentId === "" ? null : key.agentId,
    });
    return create(CreateApiKeyResponseSchema, { apiKey: toProto(record), secret });
  }

  async listApiKeys(req: ListApiKeysRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const afterId = idAfter(req.pageToken) ?? undefined;
    const pageSize = pageSizeOf(req.pageSize);
    const rows = await this.apiKeys.list(principal.workspaceId, {
      showRevoked: req.showRevoked,
      afterId,
      limit: pageSize + 1,
    });
    const { page, nextPageToken } = idPage(rows, pageSize);
    return create(ListApiKeysResponseSchema, { apiKeys: page.map(toProto), nextPageToken });
  }

  async revokeApiKey(req: RevokeApiKeyRequest, ctx: HandlerContext) {
    const principal = principalOf(ctx);
    const record = isUuid(req.id) ? await this.apiKeys.revoke(principal.workspaceId, req.id) : null;
    if (record === null) throw new DomainError("not_found", "API_KEY_NOT_FOUND", `API key ${req.id} not found`);
    return create(RevokeApiKeyResponseSchema, { apiKey: toProto(record) });
  }
}

function toProto(record: ApiKeyRecord) {
  return create(ApiKeyMessageSchema, {
    id: record.id,
    workspaceId: record.workspaceId,
    displayName: record.displayName,
    scopes: record.scopes,
    agentId: record.agentId ?? "",
    createTime: timestampFromDate(record.createTime),
    revokeTime: record.revokeTime === null ? undefined : timestampFromDate(record.revokeTime),
  });
}
