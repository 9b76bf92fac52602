import { createRouterTransport, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { loggableError } from "./logger.js";
import { Authentication, type AuthenticationOptions } from "./api/authentication.js";
import { ACCEPTED_COMPRESSIONS } from "./server/compression.js";
import { connectAdapter } from "./server/connect-adapter.js";
import { ERROR_DETAILS } from "./errors/status.js";
import { errorInterceptor } from "./server/interceptors/errors.js";
import { observabilityInterceptor } from "./server/interceptors/observability.js";
import { tracingInterceptor } from "./server/interceptors/tracing.js";
import { validationInterceptor } from "./server/interceptors/validation.js";
import { scopeInterceptor } from "./server/interceptors/scope.js";
import { storageInterceptor } from "./server/interceptors/storage.js";
import { consistencyInterceptor, type ConsistencyOptions } from "./server/interceptors/consistency.js";
import type { StorageReserve } from "./db/storage-reserve.js";
import { BodyBudget, MAX_REQUEST_BYTES } from "./api/limits.js";
import { lazyHandler, type RequestHandler } from "./api/request-handler.js";
import { restGateway } from "./server/rest/gateway.js";
import { seedGateway, type SeedGateway } from "./server/seed-gateway.js";
import { SEED_ROUTES } from "./api/seeds/seed-routes.js";
import { API_SERVICES } from "./server/routes.js";

export interface ApiOptions {
  routes: (router: ConnectRouter) => void;
  authentication: AuthenticationOptions;
  logger: Logger;
  metrics: Registry;
  /** The embedded data directory's free-space reserve; none on Postgres, whose disk is its own. */
  storage?: StorageReserve | undefined;
  /** Read replicas and the tokens of writes (--read-database-url); none: every call uses the primary. */
  consistency?: ConsistencyOptions | undefined;
}

export interface ApiHandlers {
  /** gRPC, gRPC-Web and Connect. */
  connect: RequestHandler;
  rest: RequestHandler;
  mcp: RequestHandler;
  /** The other memory APIs' routes (SharedMemory, Memanto, Penumbra). */
  seeds: SeedGateway;
}

/**
 * What every call passes through once authenticated, in order: its span (when tracing), logging and metrics, the one
 * error mapping, protovalidate, the scope each method declares, and (on the embedded engine)
 * the refusal of writes while the disk is nearly full, and (with read replicas) where reads go
 * and the consistency tokens of writes.
 */
export function apiInterceptors(
  logger: Logger,
  metrics: Registry,
  storage?: StorageReserve,
  consistency?: ConsistencyOptions,
): Interceptor[] {
  return [
    tracingInterceptor(),
    observabilityInterceptor(logger, metrics),
    errorInterceptor(logger),
    validationInterceptor(),
    scopeInterceptor(),
    ...(storage ? [storageInterceptor(storage)] : []),
    ...(consistency ? [consistencyInterceptor(consistency)] : []),
  ];
}

/**
 * Every way into the API over the same routes, the same request gate (authentication and rate
 * limits, before a body is read) and the same apiInterceptors. REST and MCP reach them in process
 * through a router transport, so each behaviour has one implementation.
 */
export function apiHandlers(api: ApiOptions): ApiHandlers {
  const { routes, authentication: auth, logger, metrics, storage, consistency } = api;
  const authentication = new Authentication(auth);
  const options = {
    interceptors: apiInterceptors(logger, metrics, storage, consistency),
    requestGate: authentication.requestGate(),
    // A misspelt field or enum name is an error, not a silently dropped value; error details
    // inside messages (per-item batch errors) need their types to be written as JSON.
    jsonOptions: { ignoreUnknownFields: false, registry: ERROR_DETAILS },
    readMaxBytes: MAX_REQUEST_BYTES,
    acceptCompression: ACCEPTED_COMPRESSIONS,
  };
  const inProcess = createRouterTransport(routes, { router: options });
  const bodyBudget = new BodyBudget();
  return {
    connect: connectAdapter({ ...options, routes, bodyBudget, logger }),
    rest: restGateway({ services: API_SERVICES, transport: inProcess, authentication, bodyBudget, logger }),
    // The MCP SDK takes a tenth of start-up to load, and most servers never see an MCP call.
    mcp: lazyHandler(
      async () =>
        (await import("./mcp/http.js")).mcpHandler({ transport: inProcess, authentication, bodyBudget, logger }),
      (err) => logger.error({ error: loggableError(err) }, "the MCP module failed to load"),
    ),
    seeds: seedGateway({ routes: SEED_ROUTES, transport: inProcess, authentication, bodyBudget, logger }),
  };
}
