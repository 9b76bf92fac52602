import { toJson, type JsonObject } from "@bufbuild/protobuf";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { codeName, ERROR_DETAILS, toConnectError } from "../../errors/status.js";

/**
 * An error as `{code, status, message, details}` with the HTTP status of the gRPC code, the
 * shape Google's JSON APIs use; details are the same ErrorInfo, BadRequest and RetryInfo
 * messages gRPC clients get, in JSON with their "@type". REST answers and streams use it.
 */
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
