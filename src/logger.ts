import { pino, type Logger } from "pino";
import { postgresErrorCode } from "./db/database-errors.js";

/** Structured JSON logs on stderr, so stdout stays free for CLI output (and MCP over stdio). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "engram" } }, pino.destination(2));
}

/**
 * What a log may say about an unexpected error: its class, SQLSTATE, schema names and stack
 * frames, and its message without SQL or quoted values. Driver errors carry the statement
 * and its parameters (memory content, vectors); none of that may reach a log.
 */
export function loggableError(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const e = err as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { type: err.constructor.name, message: redactedMessage(err.message) };
  const sqlState = postgresErrorCode(err);
  if (sqlState !== undefined) out.sqlState = sqlState;
  for (const name of ["routine", "table", "column", "constraint"] as const) {
    if (typeof e[name] === "string") out[name] = e[name];
  }
  const frames = err.stack
    ?.split("\n")
    .filter((line) => line.trimStart().startsWith("at "))
    .map((line) => line.trim());
  if (frames !== undefined && frames.length > 0) out.stack = frames;
  // A cause chain may loop.
  if (err.cause !== undefined && depth < 8) out.cause = loggableError(err.cause, depth + 1);
  return out;
}

/** An error in one line for a log that repeats: its type and message with its causes', no stack. */
export function errorSummary(err: unknown): { type: string; message: string } {
  if (!(err instanceof Error)) return { type: typeof err, message: "" };
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 4; e = e.cause) {
    messages.push(redactedMessage(e.message));
  }
  return { type: err.constructor.name, message: messages.join(": ") };
}

const SQL_STATEMENT = /^\s*(select|insert|update|delete|with|create|alter|drop|begin|commit|rollback|set)\b/i;

function redactedMessage(message: string): string {
  // Some drivers prefix the message with the statement: "<sql> - <error>".
  const text = SQL_STATEMENT.test(message) ? (message.split(" - ").at(-1) ?? "") : message;
  return text
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .slice(0, 300);
}
