import { cors as connectCors } from "@connectrpc/connect";
import cors from "cors";
import type { RequestHandler } from "../api/request-handler.js";
import { CONSISTENCY_TOKEN_HEADER, SEARCH_HEADERS } from "../memory/response-headers.js";

/** How long browsers may reuse a preflight answer, in seconds (Chromium caps it at 7200). */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * Lets browsers on the given origins ("*": any) call every endpoint: preflights are answered
 * here, before authentication, since browsers never send credentials with them. Requests from
 * other origins, or without an Origin header (gRPC and server-side clients), pass through
 * without CORS headers, so the browser refuses to hand the response to the page.
 */
export function withCors(handler: RequestHandler, origins: readonly string[]): RequestHandler {
  if (origins.length === 0) return handler;
  const anyOrigin = origins.includes("*");
  const allowed = new Set(origins);
  const middleware = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && (anyOrigin ? "*" : allowed.has(origin))),
    // The REST gateway's routes (google.api.http in the protos) also update and delete.
    methods: [...connectCors.allowedMethods, "PATCH", "DELETE"],
    allowedHeaders: [...connectCors.allowedHeaders, "Authorization", CONSISTENCY_TOKEN_HEADER],
    exposedHeaders: [...connectCors.exposedHeaders, ...SEARCH_HEADERS, CONSISTENCY_TOKEN_HEADER],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
  return (req, res) => middleware(req, res, () => handler(req, res));
}
