import {
  Code,
  ConnectError,
  createConnectRouter,
  createContextValues,
  type ConnectRouter,
  type ConnectRouterOptions,
} from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import type http from "node:http";
import { clientAddressKey } from "../api/client-address.js";
import type { RequestHandler } from "../api/request-handler.js";
import type { BodyBudget } from "../api/limits.js";
import { checkRequestBodies } from "./request-body.js";
import { drainUnreadBody, resetUnreadStream } from "../api/unread-body.js";

export interface ConnectAdapterOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
  readMaxBytes: number;
  /** Shared with the REST gateway: request-body bytes all calls in flight may hold. */
  bodyBudget: BodyBudget;
  logger: Logger;
}

/**
 * gRPC, gRPC-Web and Connect over node:http and node:http2, like connect-node's adapter, but
 * with every request body bounded and checked before connect-es decodes it, and the client's
 * address handed to the request gate.
 */
export function connectAdapter({ routes, logger, bodyBudget, ...options }: ConnectAdapterOptions): RequestHandler {
  const router = createConnectRouter(options);
  routes(router);
  const handlers = new Map(
    router.handlers.map((handler) => [
      handler.requestPath,
      checkRequestBodies(handler, options.readMaxBytes, bodyBudget),
    ]),
  );
  return (req, res) => {
    const handler = handlers.get((req.url ?? "").split("?", 1)[0] ?? "");
    if (handler === undefined) {
      (res as http.ServerResponse).writeHead(404).end();
      return;
    }
    const contextValues = createContextValues().set(clientAddressKey, req.socket.remoteAddress ?? "");
    // A body refused part way (too large, malformed) must not take the connection with it:
    // the refusal is still to be written, and the client may still be sending.
    req[Symbol.asyncIterator] = () => req.iterator({ destroyOnReturn: false });
    let universal;
    try {
      universal = universalRequestFromNodeRequest(req, res, undefined, contextValues);
    } catch {
      // An HTTP/1.0 request without a Host header has no authority, and connect-node throws.
      (res as http.ServerResponse).writeHead(400, { "content-type": "text/plain" }).end("a Host header is required\n");
      return;
    }
    handler(universal)
      .then(async (response) => {
        await drainUnreadBody(req);
        await universalResponseToNodeResponse(response, res);
        resetUnreadStream(req);
      })
      .catch((err: unknown) => {
        // The client went away mid-response: nothing to answer, nothing to report.
        if (ConnectError.from(err).code === Code.Aborted) return;
        logger.warn({ rpc: handler.method.name, error: ConnectError.from(err).rawMessage }, "response failed");
      });
  };
}
