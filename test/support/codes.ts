import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/ts/google/rpc/error_details_pb.js";
import type { Status } from "../../gen/ts/google/rpc/status_pb.js";

/** How a call ended: "OK", or the Connect code's name ("NotFound"). */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    return Code[ConnectError.from(err).code];
  }
}

/** The ConnectError a call fails with (the test fails if it succeeds, saying what it returned). */
export async function failure(call: Promise<unknown>): Promise<ConnectError> {
  let result: unknown;
  try {
    result = await call;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error(
    `expected the call to fail, it returned ${JSON.stringify(result, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`,
  );
}

/** The ConnectError a call fails with, asserted to be one. */
export async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  return err as ConnectError;
}

export function reasonOf(err: ConnectError): string | undefined {
  return err.findDetails(ErrorInfoSchema)[0]?.reason;
}

export function violatedFields(err: ConnectError): string[] {
  return err.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
}

/** Asserts the call fails with this code and ErrorInfo reason; returns the error for more checks. */
export async function expectError(call: Promise<unknown>, code: Code, reason?: string): Promise<ConnectError> {
  const err = await failure(call);
  expect(Code[err.code], err.rawMessage).toBe(Code[code]);
  if (reason !== undefined) expect(reasonOf(err)).toBe(reason);
  return err;
}

/** The ErrorInfo reason inside a google.rpc.Status (per-item batch errors). */
export function statusReason(status: Status): string | undefined {
  for (const detail of status.details) {
    const info = anyUnpack(detail, ErrorInfoSchema);
    if (info) return info.reason;
  }
  return undefined;
}

/** How a call that should be refused ended: its code's name, reason and violated fields ("OK" if it was not). */
export async function rejectionOf(
  call: Promise<unknown>,
): Promise<{ code: string; reason?: string; fields?: string[] }> {
  try {
    await call;
    return { code: "OK" };
  } catch (e) {
    const err = ConnectError.from(e);
    return { code: Code[err.code], reason: reasonOf(err), fields: violatedFields(err) };
  }
}
