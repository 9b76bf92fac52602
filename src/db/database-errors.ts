/**
 * Recognising database and storage failures in whatever the drivers throw: Postgres SQLSTATEs,
 * Node errno codes, and the Emscripten errno numbers of PGlite's file system.
 */

/** Emscripten's errno numbers, which PGlite's file system reports. */
const EMSCRIPTEN_ERRNO: Record<number, string> = { 51: "ENOSPC", 69: "EROFS" };

export function fileSystemErrorCode(err: unknown): string | undefined {
  for (const e of causes(err)) {
    const { code, errno, name } = e as { code?: unknown; errno?: unknown; name?: unknown };
    if (code === "ENOSPC" || code === "EROFS") return code;
    if (name === "ErrnoError" && typeof errno === "number") return EMSCRIPTEN_ERRNO[errno];
  }
  return undefined;
}

export function postgresErrorCode(err: unknown): string | undefined {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    // No SQLSTATE class starts with E; Node's errno codes (EPERM, EROFS) all do.
    if (typeof code === "string" && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * The constraint a Postgres error names (a unique or check violation's), if any. Citus passes a
 * worker's error on with its message only, naming the shard's constraint (the table's name and
 * "_<shard id>"): the name is read from the message then, and the shard's suffix dropped (none
 * of Engram's constraint names ends in "_<digits>").
 */
export function violatedConstraint(err: unknown): string | undefined {
  for (const e of causes(err)) {
    const constraint = (e as { constraint?: unknown }).constraint;
    if (typeof constraint === "string" && constraint !== "") return constraint.replace(SHARD_SUFFIX, "");
  }
  for (const e of causes(err)) {
    const message = (e as { message?: unknown }).message;
    const named = typeof message === "string" ? CONSTRAINT_IN_MESSAGE.exec(message) : null;
    if (named?.[1] !== undefined) return named[1].replace(SHARD_SUFFIX, "");
  }
  return undefined;
}

const SHARD_SUFFIX = /_\d+$/;
const CONSTRAINT_IN_MESSAGE = /(?:unique|check|exclusion) constraint "([^"]+)"/;

/** A violation of the memories' natural key: another memory has this agent, subject, kind and key. */
export function isNaturalKeyTaken(err: unknown): boolean {
  return postgresErrorCode(err) === "23505" && violatedConstraint(err) === "memories_natural_key";
}

/** The error and its causes, outermost first (bounded: a cause chain may loop). */
export function* causes(err: unknown): Generator<object> {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && typeof e === "object" && e !== null; depth++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}
