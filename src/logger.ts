import { pino, type Logger } from "pino";

/** Structured JSON logs on stderr, so stdout stays free for CLI output (and MCP over stdio). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: "engram" } }, pino.destination(2));
}
