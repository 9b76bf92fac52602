import type { ConnectRouter } from "@connectrpc/connect";
import { file_engram_v1_api_key_service, ApiKeyService } from "../../gen/ts/engram/v1/api_key_service_pb.js";
import { file_engram_v1_entity_service, EntityService } from "../../gen/ts/engram/v1/entity_service_pb.js";
import { file_engram_v1_memory_service, MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";
import { file_engram_v1_search_service, SearchService } from "../../gen/ts/engram/v1/search_service_pb.js";
import {
  file_engram_v1_staged_write_service,
  StagedWriteService,
} from "../../gen/ts/engram/v1/staged_write_service_pb.js";
import { file_engram_v1_webhook_service, WebhookService } from "../../gen/ts/engram/v1/webhook_service_pb.js";
import { file_grpc_health_v1_health, Health } from "../../gen/ts/grpc/health/v1/health_pb.js";
import type { ApiKeyServiceImpl } from "../auth/api-key.service.js";
import type { SearchServiceImpl } from "../evaluation/search-evaluation.service.js";
import type { EntityServiceImpl } from "../graph/entity.service.js";
import type { MemoryServiceImpl } from "../memory/memory.service.js";
import type { StagedWriteServiceImpl } from "../staging/staged-write.service.js";
import type { WebhookServiceImpl } from "../webhooks/webhook.service.js";
import { healthService } from "./health.js";
import { registerReflection } from "./reflection.js";

export interface Services {
  memory: MemoryServiceImpl;
  search: SearchServiceImpl;
  stagedWrites: StagedWriteServiceImpl;
  entities: EntityServiceImpl;
  apiKeys: ApiKeyServiceImpl;
  webhooks: WebhookServiceImpl;
  isServing: () => Promise<boolean>;
}

/** The services that carry Engram's API (and its REST routes), as opposed to health and reflection. */
export const API_SERVICES = [
  MemoryService,
  SearchService,
  StagedWriteService,
  EntityService,
  ApiKeyService,
  WebhookService,
];

/** Every RPC the server answers, for gRPC, gRPC-Web and Connect alike. */
export function routes(services: Services) {
  return (router: ConnectRouter) => {
    router.service(MemoryService, services.memory);
    router.service(SearchService, services.search);
    router.service(StagedWriteService, services.stagedWrites);
    router.service(EntityService, services.entities);
    router.service(ApiKeyService, services.apiKeys);
    router.service(WebhookService, services.webhooks);
    router.service(
      Health,
      healthService(
        services.isServing,
        API_SERVICES.map((s) => s.typeName),
      ),
    );
    registerReflection(router, [
      file_engram_v1_memory_service,
      file_engram_v1_search_service,
      file_engram_v1_staged_write_service,
      file_engram_v1_entity_service,
      file_engram_v1_api_key_service,
      file_engram_v1_webhook_service,
      file_grpc_health_v1_health,
    ]);
  };
}
