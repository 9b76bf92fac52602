import type http from "node:http";
import type http2 from "node:http2";
import { toJson, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { RetryInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { codeName, ERROR_DETAILS, isCancellation, toConnectError } from "../../errors/status.js";
import { loggableError } from "../../logger.js";

type Response = http.ServerResponse | http2.Http2ServerResponse;

/** A failure of the HTTP exchange itself (no such route, wrong media type), before any RPC. */
export class RestError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly status: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "RestError";
  }
}

export function sendJson(res: Response, status: number, body: JsonValue, headers: Record<string, string> = {}): void {
  (res as http.ServerResponse)
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(JSON.stringify(body));
}

/**
 * Errors as `{"error": {code, status, message, details}}` with the HTTP status of the gRPC
 * code, the shape Google's JSON APIs use; details are the same ErrorInfo, BadRequest and
 * RetryInfo messages gRPC clients get, in JSON with their "@type".
 */
export function sendError(res: Response, err: unknown, logger: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof RestError) {
    const body = { code: err.httpStatus, status: err.status, message: err.message, details: [] };
    sendJson(res, err.httpStatus, { error: body }, err.headers);
    return;
  }
  if (res.destroyed || isCancellation(err)) {
    // The client went away: routine, and there is no one left to answer.
    logger.debug("REST call cancelled by the client");
    res.destroy();
    return;
  }
  const connectError = toConnectError(err);
  if (connectError.code === Code.Internal && connectError.cause === err) {
    logger.error({ error: loggableError(err) }, "REST gateway error");
  }
  const retry = connectError.findDetails(RetryInfoSchema)[0]?.retryDelay;
  const headers: Record<string, string> =
    retry === undefined
      ? {}
      : { "retry-after": String(Math.max(1, Math.ceil(Number(retry.seconds) + retry.nanos / 1e9))) };
  sendJson(res, codeToHttpStatus(connectError.code), { error: errorBodyOf(connectError) }, headers);
}

export function errorBodyOf(err: unknown): JsonObject {
  const connectError = toConnectError(err);
  const details = connectError.findDetails(ERROR_DETAILS).map((detail) => {
    const desc = ERROR_DETAILS.getMessage(detail.$typeName);
    const json = desc === undefined ? {} : (toJson(desc, detail, { useProtoFieldName: true }) as JsonObject);
    return { "@type": `type.googleapis.com/${detail.$typeName}`, ...json };
  });
  return {
    code: codeToHttpStatus(connectError.code),
    status: codeName(connectError.code),
    message: connectError.rawMessage,
    details,
  };
}
