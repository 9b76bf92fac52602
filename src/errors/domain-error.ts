/**
 * Domain errors: what went wrong, in the service's terms. src/errors/status.ts is the one
 * place that turns them into Connect codes and error details.
 */
export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "aborted"
  | "failed_precondition"
  | "permission_denied"
  | "unauthenticated"
  | "resource_exhausted"
  | "unavailable"
  | "unimplemented";

export interface FieldViolation {
  field: string;
  description: string;
}

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** UPPER_SNAKE reason for google.rpc.ErrorInfo, stable for clients to match on. */
    readonly reason: string,
    message: string,
    readonly fieldViolations: FieldViolation[] = [],
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export function invalidArgument(field: string, reason: string, description: string): DomainError {
  return new DomainError("invalid_argument", reason, `${field}: ${description}`, [{ field, description }]);
}

/**
 * A message field the proto marks required: protovalidate has refused its absence before a
 * handler runs, so this only tells the type checker, and fails with protovalidate's reason
 * (MEMORY_REQUIRED for memory or requests[2].memory) should it ever be reached.
 */
export function requiredField<T>(value: T | undefined, field: string): T {
  if (value !== undefined) return value;
  const leaf =
    field
      .replace(/\[[^\]]*\]/g, "")
      .split(".")
      .at(-1) ?? field;
  throw invalidArgument(field, `${leaf.toUpperCase()}_REQUIRED`, "value is required");
}

/** The answer for anything the caller may not see, whether or not it exists. */
export function memoryNotFound(id: string): DomainError {
  return new DomainError("not_found", "MEMORY_NOT_FOUND", `memory ${id} not found`);
}
