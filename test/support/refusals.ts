import { DomainError } from "../../src/errors/domain-error.js";

/** The reason and fields of the invalid_argument error `run` throws: "UNKNOWN_FIELD at memory.colour". */
export function refused(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (!(err instanceof DomainError) || err.kind !== "invalid_argument") throw err;
    return `${err.reason} at ${err.fieldViolations.map((v) => v.field).join(",")}`;
  }
  throw new Error("expected an invalid_argument DomainError");
}
