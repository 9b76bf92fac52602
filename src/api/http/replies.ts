import type http from "node:http";
import type { JsonValue } from "@bufbuild/protobuf";
import type { ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import type { HttpResponse } from "../request-handler.js";

/** An answer to send: its status, a JSON body and extra headers. */
export interface Reply {
  status: number;
  body: JsonValue;
  headers?: Record<string, string>;
}

export function sendJson(res: HttpResponse, { status, body, headers = {} }: Reply): void {
  (res as http.ServerResponse)
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(JSON.stringify(body));
}

/** Retry-After, in whole seconds rounded up, when the error says when to retry (google.rpc.RetryInfo). */
export function retryAfterOf(error: ConnectError): Record<string, string> {
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (delay === undefined) return {};
  return { "retry-after": String(Math.max(1, Math.ceil(Number(delay.seconds) + delay.nanos / 1e9))) };
}
