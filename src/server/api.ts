import { createRouterTransport, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ApiKeys } from "../auth/api-keys.js";
import { mcpHandler } from "../mcp/http.js";
import { authInterceptor } from "./interceptors/auth.js";
import { errorInterceptor } from "./interceptors/errors.js";
import { observabilityInterceptor } from "./interceptors/observability.js";
import { validationInterceptor } from "./interceptors/validation.js";
import type { RequestHandler } from "./listener.js";
import { restGateway } from "./rest/gateway.js";
import { API_SERVICES } from "./routes.js";

export interface ApiOptions {
  routes: (router: ConnectRouter) => void;
  apiKeys: ApiKeys;
  /** Requests per second per API key; 0 turns rate limiting off. */
  rateLimitPerSecond: number;
  logger: Logger;
  metrics: Registry;
}

export interface ApiHandlers {
  /** gRPC, gRPC-Web and Connect. */
  connect: RequestHandler;
  rest: RequestHandler;
  mcp: RequestHandler;
}

/**
 * Every way into the API over the same routes and the same interceptors, in order: logging
 * and metrics, the one error mapping, auth and rate limit, protovalidate. REST and MCP reach
 * them in process through a router transport, so each behaviour has one implementation.
 */
export function apiHandlers({ routes, apiKeys, rateLimitPerSecond, logger, metrics }: ApiOptions): ApiHandlers {
  const interceptors = [
    observabilityInterceptor(logger, metrics),
    errorInterceptor(logger),
    authInterceptor({ apiKeys, rateLimitPerSecond }),
    validationInterceptor(),
  ];
  const connect = connectNodeAdapter({
    // A misspelt field or enum name is an error, not a silently dropped value.
    jsonOptions: { ignoreUnknownFields: false },
    routes,
    interceptors,
  }) as RequestHandler;
  const inProcess = createRouterTransport(routes, { router: { interceptors } });
  return {
    connect,
    rest: restGateway({ services: API_SERVICES, transport: inProcess, logger }),
    mcp: mcpHandler({ transport: inProcess, apiKeys, logger }),
  };
}
