import {
  create,
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { callMethod } from "../api/call-method.js";
import { HttpError } from "../api/http/http-error.js";
import { retryAfterOf, sendJson } from "../api/http/replies.js";
import {
  routePipeline,
  type Failure,
  type HttpCall,
  type HttpRoute,
  type PipelineDeps,
} from "../api/http/route-pipeline.js";
import type { RequestHandler } from "../api/request-handler.js";
import type { Rpc, SeedRoute } from "../api/seeds/seed-route.js";

export interface SeedGatewayOptions extends PipelineDeps {
  routes: readonly SeedRoute[];
  /** Reaches the same handlers and interceptors as gRPC, Connect and REST (a router transport). */
  transport: Transport;
}

export interface SeedGateway {
  /** Whether a path is one of the seed APIs' routes. */
  serves(path: string): boolean;
  handler: RequestHandler;
}

/**
 * The other memory APIs' routes (src/api/seeds) on the one HTTP route pipeline: the caller's
 * key, as each API's clients send it, checked before the body is read; the body translated to
 * Engram RPCs called in process as that caller (so auth, rate limits, validation, the write
 * guard and visibility are the ones every protocol gets); every failure in the route's own
 * error shape.
 */
export function seedGateway({ routes, transport, ...deps }: SeedGatewayOptions): SeedGateway {
  const seedOf = new Map<HttpRoute, SeedRoute>();
  const httpRoutes = routes.map((seed) => {
    const route: HttpRoute = {
      method: seed.method.toUpperCase(),
      pattern: seed.pattern,
      template: seed.template,
      credential: (headers) => seed.authorization(headers),
      handle: (call) => answer(seed, call, transport),
    };
    seedOf.set(route, seed);
    return route;
  });
  const handler = routePipeline(
    {
      name: "seed API",
      routes: httpRoutes,
      notFound: (path) => new HttpError(404, "NOT_FOUND", `no route for ${path}`),
      failure: (failure, route) => {
        const seed = route === undefined ? undefined : seedOf.get(route);
        if (seed === undefined) throw new Error("a seed API failure without its route");
        return seed.failure(seedFailure(failure));
      },
    },
    deps,
  );
  return { serves: (path) => routes.some((r) => r.pattern.test(path)), handler };
}

async function answer(seed: SeedRoute, call: HttpCall, transport: Transport): Promise<void> {
  const headers = call.authorization === undefined ? undefined : { authorization: call.authorization };
  const rpc: Rpc = async <I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    input: MessageInitShape<I>,
  ) => {
    const result = await callMethod(
      transport,
      method,
      create(method.input, input),
      headers,
      call.signal,
      call.contextValues,
    );
    if (result.stream) throw new Error(`${method.name} is not unary`);
    return result.message as MessageShape<O>;
  };
  const body = await call.json();
  const { principal, params, requestId } = call;
  const reply = await seed.handle({ body, params, principal, requestId, rpc });
  sendJson(call.res, reply);
}

function seedFailure({ httpStatus, reason, message, connectError, requestId }: Failure) {
  const retryAfter = connectError === undefined ? undefined : retryAfterOf(connectError)["retry-after"];
  return {
    httpStatus,
    reason,
    message,
    violations: (connectError?.findDetails(BadRequestSchema) ?? []).flatMap((d) =>
      d.fieldViolations.map((v) => ({ field: v.field, description: v.description })),
    ),
    retryAfterSeconds: retryAfter === undefined ? undefined : Number(retryAfter),
    requestId,
  };
}
