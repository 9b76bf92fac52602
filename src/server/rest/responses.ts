import { errorBodyOf } from "../../api/http/error-body.js";
import type { Reply } from "../../api/http/replies.js";
import type { Failure } from "../../api/http/route-pipeline.js";

/**
 * REST's failures: `{"error": {code, status, message, details}}`, with the gRPC code's status
 * name and details when an RPC failed, and the HTTP reason when the exchange itself did.
 */
export function restFailure({ httpStatus, reason, message, connectError }: Failure): Reply {
  if (connectError === undefined) {
    return { status: httpStatus, body: { error: { code: httpStatus, status: reason, message, details: [] } } };
  }
  return { status: httpStatus, body: { error: errorBodyOf(connectError) } };
}
