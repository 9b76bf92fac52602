/**
 * Domain errors carry what clients match on: a stable kind and UPPER_SNAKE reason, and for bad
 * input the field at fault, so that every transport can report the same thing.
 */
import { describe, expect, it } from "vitest";
import { DomainError, invalidArgument, memoryNotFound, requiredField } from "./domain-error.js";

function thrown(run: () => unknown): DomainError {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error("expected a DomainError");
}

describe("DomainError", () => {
  it("is an Error named DomainError with its kind, reason and message", () => {
    const err = new DomainError("aborted", "ETAG_MISMATCH", "the memory has changed");
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.kind, err.reason, err.message]).toEqual([
      "DomainError",
      "aborted",
      "ETAG_MISMATCH",
      "the memory has changed",
    ]);
    expect(err.fieldViolations).toEqual([]);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it("keeps field violations and a retry delay when given", () => {
    const violations = [{ field: "page_size", description: "too big" }];
    const err = new DomainError("resource_exhausted", "RATE_LIMITED", "slow down", violations, 1500);
    expect([err.fieldViolations, err.retryAfterMs]).toEqual([violations, 1500]);
  });
});

describe("invalidArgument", () => {
  it("names the field in the message and in its one field violation", () => {
    const err = invalidArgument("memory.tags[3]", "TAG_TOO_LONG", "at most 128 characters");
    expect([err.kind, err.reason, err.message]).toEqual([
      "invalid_argument",
      "TAG_TOO_LONG",
      "memory.tags[3]: at most 128 characters",
    ]);
    expect(err.fieldViolations).toEqual([{ field: "memory.tags[3]", description: "at most 128 characters" }]);
  });
});

describe("requiredField", () => {
  it("returns a present value, even a falsy one", () => {
    const memory = { content: "c" };
    expect(requiredField(memory, "memory")).toBe(memory);
    expect(requiredField("", "etag")).toBe("");
    expect(requiredField(0, "page_size")).toBe(0);
    expect(requiredField(null, "memory")).toBeNull();
  });

  it("refuses an absent value with protovalidate's reason for the leaf field", () => {
    const err = thrown(() => requiredField(undefined, "memory"));
    expect([err.kind, err.reason, err.message]).toEqual([
      "invalid_argument",
      "MEMORY_REQUIRED",
      "memory: value is required",
    ]);
    expect(err.fieldViolations).toEqual([{ field: "memory", description: "value is required" }]);
  });

  it("takes the reason from the last path segment, without list or map indices", () => {
    expect(thrown(() => requiredField(undefined, "requests[2].memory")).reason).toBe("MEMORY_REQUIRED");
    expect(thrown(() => requiredField(undefined, "requests[2].memory")).fieldViolations[0]?.field).toBe(
      "requests[2].memory",
    );
    expect(thrown(() => requiredField(undefined, "update.update_mask")).reason).toBe("UPDATE_MASK_REQUIRED");
    expect(thrown(() => requiredField(undefined, 'labels["a.b"]')).reason).toBe("LABELS_REQUIRED");
  });
});

describe("memoryNotFound", () => {
  it("is NOT_FOUND with the id in the message", () => {
    const err = memoryNotFound("0190aa");
    expect([err.kind, err.reason, err.message, err.fieldViolations]).toEqual([
      "not_found",
      "MEMORY_NOT_FOUND",
      "memory 0190aa not found",
      [],
    ]);
  });
});
