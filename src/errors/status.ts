import { create, createRegistry, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { StatusSchema, type Status } from "../../gen/ts/google/rpc/status_pb.js";
import { fileSystemErrorCode, isNaturalKeyTaken, postgresErrorCode } from "../db/database-errors.js";
import { DomainError, type ErrorKind } from "./domain-error.js";

const CODES: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  aborted: Code.Aborted,
  failed_precondition: Code.FailedPrecondition,
  permission_denied: Code.PermissionDenied,
  unauthenticated: Code.Unauthenticated,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  unimplemented: Code.Unimplemented,
};

export const ERROR_DOMAIN = "engram.dev";

/** The error details the server packs into errors and into google.rpc.Status (per-item batch errors). */
export const ERROR_DETAILS = createRegistry(ErrorInfoSchema, BadRequestSchema, RetryInfoSchema);

type Detail = { desc: DescMessage; value: MessageShape<DescMessage> };

/** The one place where domain errors become Connect errors with ErrorInfo and BadRequest details. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof DomainError) {
    return new ConnectError(err.message, CODES[err.kind], undefined, detailsOf(err), err);
  }
  const pgCode = postgresErrorCode(err);
  if (isNaturalKeyTaken(err)) {
    return toConnectError(
      new DomainError(
        "already_exists",
        "NATURAL_KEY_TAKEN",
        "another memory already has this agent, subject, kind and key",
      ),
    );
  }
  // Every other unique key is an id or a ledger entry, which only a concurrent write can have taken.
  if (pgCode === "23505" || pgCode === "40001" || pgCode === "40P01") {
    return toConnectError(new DomainError("aborted", "CONCURRENT_UPDATE", "a concurrent write conflicted; retry"));
  }
  const storage = storageFailure(err, pgCode);
  if (storage !== undefined) {
    // The driver's error stays the cause: an operator wants to hear about a full disk.
    return new ConnectError(storage.message, CODES[storage.kind], undefined, detailsOf(storage), err);
  }
  return new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}

/**
 * Disk full and read-only storage, from Postgres (SQLSTATE), Node (errno code) or PGlite's
 * wasm file system (Emscripten errno numbers): the server is fine, its storage is not.
 */
function storageFailure(err: unknown, pgCode: string | undefined): DomainError | undefined {
  const fsCode = fileSystemErrorCode(err);
  if (pgCode === "53100" || fsCode === "ENOSPC") {
    return new DomainError(
      "resource_exhausted",
      "STORAGE_FULL",
      "the database's storage is full; nothing was written. Free disk space, then retry",
    );
  }
  if (pgCode === "25006" || fsCode === "EROFS") {
    return new DomainError(
      "unavailable",
      "STORAGE_READ_ONLY",
      "the database is read-only at the moment; nothing was written. Retry later",
    );
  }
  return undefined;
}

/**
 * Whether a call ended because its client hung up or cancelled it (not a failure of ours): its
 * signal was aborted for any reason but a deadline, or the error is a cancellation.
 */
export function isCancellation(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted === true) return ConnectError.from(signal.reason).code !== Code.DeadlineExceeded;
  return (
    (err instanceof Error && err.name === "AbortError") || (err instanceof ConnectError && err.code === Code.Canceled)
  );
}

/** Code.InvalidArgument becomes "INVALID_ARGUMENT", the name gRPC and google.rpc.Code use. */
export function codeName(code: Code): string {
  // Connect spells it "canceled"; gRPC and google.rpc.Code, "CANCELLED".
  if (code === Code.Canceled) return "CANCELLED";
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The same mapping as a google.rpc.Status, for per-item results of batch writes. */
export function toStatus(err: unknown): Status {
  const connectError = toConnectError(err);
  // The converted error's details: a database error mapped to a reason keeps it here too.
  const details = connectError.details.flatMap((d) => ("desc" in d ? [anyPack(d.desc, create(d.desc, d.value))] : []));
  return create(StatusSchema, {
    code: connectError.code,
    message: connectError.rawMessage,
    details,
  });
}

function detailsOf(err: DomainError): Detail[] {
  const details: Detail[] = [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: err.reason, domain: ERROR_DOMAIN }) },
  ];
  if (err.fieldViolations.length > 0) {
    details.push({
      desc: BadRequestSchema,
      value: create(BadRequestSchema, {
        fieldViolations: err.fieldViolations.map((v) => ({ field: v.field, description: v.description })),
      }),
    });
  }
  if (err.retryAfterMs !== undefined) {
    const ms = Math.max(0, err.retryAfterMs);
    details.push({
      desc: RetryInfoSchema,
      value: create(RetryInfoSchema, {
        retryDelay: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 },
      }),
    });
  }
  return details;
}
