import type { DescMethod } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { ApiKeyService } from "../../../gen/ts/engram/v1/api_key_service_pb.js";
import { MemoryService } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { SearchService } from "../../../gen/ts/engram/v1/search_service_pb.js";
import { WebhookService } from "../../../gen/ts/engram/v1/webhook_service_pb.js";
import type { StorageReserve } from "../../db/storage-reserve.js";
import { requiredScopeOf } from "./scope.js";

/** The admin methods that only read: they go on answering while writes are refused. */
const ADMIN_READS: ReadonlySet<DescMethod> = new Set([
  MemoryService.method.getMemoryStats,
  MemoryService.method.exportMemories,
  ApiKeyService.method.listApiKeys,
  SearchService.method.listSearchSettingsRevisions,
]);

/** Methods a reader may call that still write: a key's webhooks are its own, whatever it may write. */
const READER_WRITES: ReadonlySet<DescMethod> = new Set([
  MemoryService.method.eraseMemories,
  WebhookService.method.createWebhook,
  WebhookService.method.updateWebhook,
  WebhookService.method.deleteWebhook,
  WebhookService.method.testWebhook,
]);

/**
 * Whether a method writes to the database: those needing memory:write, EraseMemories (whose scrub
 * of the embedded files needs room for a copy of each table it rewrites), a webhook's changes,
 * and the admin methods but the few that only read, so that a new admin method is taken for a
 * writer until listed.
 */
export function writesData(method: DescMethod): boolean {
  const scope = requiredScopeOf(method);
  return scope === "memory:write" || READER_WRITES.has(method) || (scope === "admin" && !ADMIN_READS.has(method));
}

/**
 * Refuses writing calls (STORAGE_FULL) while the embedded database's free space is under its
 * reserve, after authentication, validation and the scope check, so that only a caller who
 * may write learns of it; reads go on. Every way in passes here (Connect, REST, MCP and the
 * other memory APIs' routes). Each write prompts a new measurement of the free space.
 */
export function storageInterceptor(storage: StorageReserve): Interceptor {
  return (next) => async (req) => {
    if (!writesData(req.method)) return next(req);
    storage.requireSpace();
    try {
      return await next(req);
    } finally {
      storage.noteWrite();
    }
  };
}
