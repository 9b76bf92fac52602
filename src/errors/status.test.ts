/**
 * The one mapping from failures to Connect codes and google.rpc details: clients match on the
 * code and the ErrorInfo reason, retry after RetryInfo, and must never see the text of an
 * unexpected error; storage and concurrency failures get codes a client can act on.
 */
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import { DomainError, invalidArgument, type ErrorKind } from "./domain-error.js";
import { codeName, ERROR_DETAILS, ERROR_DOMAIN, isCancellation, toConnectError, toStatus } from "./status.js";

/** Code, ErrorInfo reason and domain of the Connect error for `err`. */
function mapped(err: unknown): [string, string | undefined, string | undefined] {
  const connectError = toConnectError(err);
  const info = connectError.findDetails(ErrorInfoSchema)[0];
  return [Code[connectError.code], info?.reason, info?.domain];
}

const retryDelayOf = (retryAfterMs: number) => {
  const err = new DomainError("resource_exhausted", "RATE_LIMITED", "slow down", [], retryAfterMs);
  const delay = toConnectError(err).findDetails(RetryInfoSchema)[0]?.retryDelay;
  return [delay?.seconds, delay?.nanos];
};

describe("toConnectError", () => {
  it("gives every kind of domain error the Connect code of its name", () => {
    const kinds: ErrorKind[] = [
      "invalid_argument",
      "not_found",
      "already_exists",
      "aborted",
      "failed_precondition",
      "permission_denied",
      "unauthenticated",
      "resource_exhausted",
      "unavailable",
      "unimplemented",
    ];
    for (const kind of kinds) {
      const name = kind.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
      expect(Code[toConnectError(new DomainError(kind, "R", "m")).code]).toBe(name);
    }
  });

  it("keeps the message, the reason in ErrorInfo under the service's domain, and the cause", () => {
    const err = new DomainError("not_found", "MEMORY_NOT_FOUND", "memory m1 not found");
    const connectError = toConnectError(err);
    expect([connectError.rawMessage, connectError.cause]).toEqual(["memory m1 not found", err]);
    expect(mapped(err)).toEqual(["NotFound", "MEMORY_NOT_FOUND", "engram.dev"]);
    expect(ERROR_DOMAIN).toBe("engram.dev");
  });

  it("adds BadRequest field violations only when there are some", () => {
    const withField = toConnectError(invalidArgument("memory.kind", "KIND_REQUIRED", "value is required"));
    expect(withField.findDetails(BadRequestSchema)[0]?.fieldViolations).toMatchObject([
      { field: "memory.kind", description: "value is required" },
    ]);
    expect(toConnectError(new DomainError("aborted", "R", "m")).findDetails(BadRequestSchema)).toEqual([]);
  });

  it("adds RetryInfo with the delay split into seconds and nanos, never negative", () => {
    expect(retryDelayOf(1500)).toEqual([1n, 500_000_000]);
    expect(retryDelayOf(999)).toEqual([0n, 999_000_000]);
    expect(retryDelayOf(-20)).toEqual([0n, 0]);
    expect(toConnectError(new DomainError("aborted", "R", "m")).findDetails(RetryInfoSchema)).toEqual([]);
  });

  it("passes Connect errors through unchanged", () => {
    const err = new ConnectError("deadline", Code.DeadlineExceeded);
    expect(toConnectError(err)).toBe(err);
  });

  it("maps unique violations and serialization failures from Postgres, however deeply wrapped", () => {
    const naturalKey = { code: "23505", constraint: "memories_natural_key" };
    expect(mapped(naturalKey)).toEqual(["AlreadyExists", "NATURAL_KEY_TAKEN", ERROR_DOMAIN]);
    expect(mapped(new Error("orm", { cause: naturalKey }))[1]).toBe("NATURAL_KEY_TAKEN");
    // As Citus passes a worker's violation on: the shard's constraint, named in the message only.
    const onShard = (name: string) => ({
      code: "23505",
      message: `duplicate key value violates unique constraint "${name}"`,
    });
    expect(mapped(onShard("memories_natural_key_102030"))[1]).toBe("NATURAL_KEY_TAKEN");
    expect(mapped(onShard("memories_pkey_102008"))[1]).toBe("CONCURRENT_UPDATE");
    // Any other unique key (an id, an idempotency ledger entry) was taken by a concurrent write.
    for (const constraint of ["memories_pkey", "write_requests_pkey", undefined]) {
      expect(mapped({ code: "23505", constraint })).toEqual(["Aborted", "CONCURRENT_UPDATE", ERROR_DOMAIN]);
    }
    expect(mapped(new Error("orm", { cause: { code: "40001" } }))).toEqual([
      "Aborted",
      "CONCURRENT_UPDATE",
      ERROR_DOMAIN,
    ]);
    expect(mapped({ code: "40P01" })[1]).toBe("CONCURRENT_UPDATE");
  });

  it("reports full and read-only storage from Postgres, Node and PGlite, keeping the driver error as cause", () => {
    const full = [
      { code: "53100" },
      { code: "ENOSPC" },
      Object.assign(new Error("fs"), { name: "ErrnoError", errno: 51 }),
    ];
    for (const err of full) {
      expect(mapped(err)).toEqual(["ResourceExhausted", "STORAGE_FULL", ERROR_DOMAIN]);
      expect(toConnectError(err).cause).toBe(err);
    }
    const readOnly = [
      { code: "25006" },
      { code: "EROFS" },
      Object.assign(new Error("fs"), { name: "ErrnoError", errno: 69 }),
    ];
    for (const err of readOnly) expect(mapped(err)).toEqual(["Unavailable", "STORAGE_READ_ONLY", ERROR_DOMAIN]);
  });

  it("hides anything else behind INTERNAL, without its message or details", () => {
    for (const err of [new Error("password=hunter2"), { code: "ECONNRESET" }, { code: "42P01" }, "boom", undefined]) {
      const connectError = toConnectError(err);
      expect([Code[connectError.code], connectError.rawMessage, connectError.details]).toEqual([
        "Internal",
        "internal error",
        [],
      ]);
      expect(connectError.cause).toBe(err);
    }
  });
});

describe("toStatus", () => {
  it("packs the same code, message and details as a google.rpc.Status", () => {
    const status = toStatus(invalidArgument("requests[1].memory.kind", "KIND_REQUIRED", "value is required"));
    expect([status.code, status.message]).toEqual([Code.InvalidArgument, "requests[1].memory.kind: value is required"]);
    const [info, badRequest] = status.details;
    expect(info === undefined ? undefined : anyUnpack(info, ErrorInfoSchema)).toMatchObject({
      reason: "KIND_REQUIRED",
      domain: ERROR_DOMAIN,
    });
    expect(
      badRequest === undefined ? undefined : anyUnpack(badRequest, BadRequestSchema)?.fieldViolations,
    ).toMatchObject([{ field: "requests[1].memory.kind" }]);
    expect(status.details.map((d) => d.typeUrl)).toEqual([
      "type.googleapis.com/google.rpc.ErrorInfo",
      "type.googleapis.com/google.rpc.BadRequest",
    ]);
  });

  it("keeps the reason of a database error it maps, as toConnectError does", () => {
    for (const [error, reason] of [
      [{ code: "23505", constraint: "memories_natural_key" }, "NATURAL_KEY_TAKEN"],
      [{ code: "53100" }, "STORAGE_FULL"],
    ] as const) {
      const [info] = toStatus(error).details;
      expect(info === undefined ? undefined : anyUnpack(info, ErrorInfoSchema)?.reason).toBe(reason);
    }
  });

  it("hides unexpected errors behind INTERNAL with no details", () => {
    expect(toStatus(new Error("secret"))).toMatchObject({
      code: Code.Internal,
      message: "internal error",
      details: [],
    });
  });
});

describe("isCancellation", () => {
  it("counts aborts and cancelled calls, not other failures", () => {
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    expect(isCancellation(abort)).toBe(true);
    expect(isCancellation(new ConnectError("gone", Code.Canceled))).toBe(true);
    expect(isCancellation(new ConnectError("late", Code.DeadlineExceeded))).toBe(false);
    expect(isCancellation(new Error("boom"))).toBe(false);
    expect(isCancellation("AbortError")).toBe(false);
  });

  it("trusts an aborted signal over the error, unless it was the deadline", () => {
    const hungUp = new AbortController();
    hungUp.abort();
    expect(isCancellation(new Error("write failed"), hungUp.signal)).toBe(true);
    const deadline = new AbortController();
    deadline.abort(new ConnectError("deadline", Code.DeadlineExceeded));
    expect(isCancellation(new Error("write failed"), deadline.signal)).toBe(false);
    expect(isCancellation(new Error("write failed"), new AbortController().signal)).toBe(false);
  });
});

describe("codeName and ERROR_DETAILS", () => {
  it("spells codes in UPPER_SNAKE as google.rpc.Code does", () => {
    const codes = [
      Code.InvalidArgument,
      Code.DeadlineExceeded,
      Code.ResourceExhausted,
      Code.Unauthenticated,
      Code.DataLoss,
      Code.Canceled,
    ];
    expect(codes.map(codeName)).toEqual([
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "RESOURCE_EXHAUSTED",
      "UNAUTHENTICATED",
      "DATA_LOSS",
      "CANCELLED",
    ]);
  });

  it("registers exactly the detail types the server packs", () => {
    const names = ["google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RetryInfo", "google.rpc.DebugInfo"];
    expect(names.map((name) => ERROR_DETAILS.getMessage(name)?.typeName)).toEqual([...names.slice(0, 3), undefined]);
  });
});
