import type { DescMessage } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ApiKeyService } from "../../gen/ts/engram/v1/api_key_service_pb.js";
import { EntityService } from "../../gen/ts/engram/v1/entity_service_pb.js";
import { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { SearchService } from "../../gen/ts/engram/v1/search_service_pb.js";
import { StagedWriteService } from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import type { Status } from "../../gen/ts/google/rpc/status_pb.js";

export interface Api {
  memories: Client<typeof MemoryService>;
  keys: Client<typeof ApiKeyService>;
  stagedWrites: Client<typeof StagedWriteService>;
  entities: Client<typeof EntityService>;
  search: Client<typeof SearchService>;
}

/** Clients of this server (the console is served by the API it calls), every call with the key. */
export function apiFor(key: string): Api {
  const authorize: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl: location.origin, interceptors: [authorize] });
  return {
    memories: createClient(MemoryService, transport),
    keys: createClient(ApiKeyService, transport),
    stagedWrites: createClient(StagedWriteService, transport),
    entities: createClient(EntityService, transport),
    search: createClient(SearchService, transport),
  };
}

/** What a person needs from a failed call: its code, its reason, and the fields at fault. */
export interface ShownError {
  code: string;
  reason: string;
  message: string;
  fields: { field: string; description: string }[];
}

export function shownError(err: unknown): ShownError {
  const error = ConnectError.from(err);
  return {
    code: Code[error.code] ?? String(error.code),
    reason: error.findDetails(ErrorInfoSchema)[0]?.reason ?? "",
    message: error.rawMessage,
    fields: error.findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations),
  };
}

/** A write refused inside a batch (a staged write's preview or results) arrives as a Status, not a thrown error. */
export function statusError(status: Status): ShownError {
  const unpacked = <Desc extends DescMessage>(schema: Desc) =>
    status.details.flatMap((any) => anyUnpack(any, schema) ?? []);
  return {
    code: Code[status.code] ?? String(status.code),
    reason: unpacked(ErrorInfoSchema)[0]?.reason ?? "",
    message: status.message,
    fields: unpacked(BadRequestSchema).flatMap((b) => b.fieldViolations),
  };
}
