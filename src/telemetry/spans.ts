import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from "@opentelemetry/api";
import { ATTR } from "./attributes.js";
import { statementName, statementSummary } from "./statement-summary.js";

export { SpanKind, type Span };

// The version is the resource's (service.version): this module is also in the worker threads' bundles.
const tracer = trace.getTracer("engram");
/** Which entrance the call being handled came through (ATTR.transport), for its RPC span. */
const TRANSPORT = Symbol.for("engram.transport");
/** Set around polls that usually find nothing: their statements are not traced. */
const QUIET = Symbol.for("engram.quiet");
let tracing = false;

/**
 * Turned on once by startTracing. Until then every helper here is a plain call: tracing that is
 * off costs a boolean test per call, statement and model call, and loads no SDK.
 */
export function setTracing(on: boolean): void {
  tracing = on;
}

export function isTracing(): boolean {
  return tracing;
}

/**
 * Runs `handle` in the trace context the request's W3C `traceparent` and `tracestate` headers carry
 * (a new trace without them), noting which entrance it came through.
 */
export function inRequestContext<T>(headers: Record<string, unknown>, transport: string, handle: () => T): T {
  if (!tracing) return handle();
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return context.with(parent.setValue(TRANSPORT, transport), handle);
}

/** The entrance the current call came through, or null outside a request (a background task). */
export function currentTransport(): string | null {
  const transport = context.active().getValue(TRANSPORT);
  return typeof transport === "string" ? transport : null;
}

export interface InSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /**
   * The error type a failure marks the span with, or undefined to leave it unmarked (the caller
   * decides). By default the error's class name: never its message, which may quote a caller.
   */
  failed?: (err: unknown) => string | undefined;
}

/** Runs `fn` in a span, a child of the current one, that ends when `fn` settles. */
export async function inSpan<T>(
  name: string,
  options: InSpanOptions,
  fn: (span: Span | null) => Promise<T>,
): Promise<T> {
  const open = openSpan(name, options);
  if (open === null) return fn(null);
  try {
    return await open.within(() => fn(open.span));
  } catch (err) {
    const type = (options.failed ?? errorName)(err);
    if (type !== undefined) markFailed(open.span, type);
    throw err;
  } finally {
    open.span.end();
  }
}

/** A span for work that goes on after the call that opened it returns (a stream's first message). */
export interface OpenSpan {
  span: Span;
  /** Runs `fn` in the span, so that its own spans are the span's children. */
  within: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Starts a span, a child of the current one, that its caller ends (`span.end()`); null while tracing is off. */
export function openSpan(name: string, options: Omit<InSpanOptions, "failed">): OpenSpan | null {
  if (!tracing) return null;
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes });
  const inside = trace.setSpan(context.active(), span);
  return { span, within: (fn) => context.with(inside, fn) };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "Error";
}

export function markFailed(span: Span, errorType: string): void {
  span.setAttribute(ATTR.errorType, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * A span for a database statement that has just finished, `took` milliseconds long, named by its
 * operation and table (`SELECT memories`): never its text or parameters.
 */
export function recordStatement(sql: string, took: number, failed: boolean): void {
  if (!tracing || context.active().getValue(QUIET) === true) return;
  const summary = statementSummary(sql);
  const name = statementName(summary);
  const end = performance.timeOrigin + performance.now();
  const attributes: Attributes = {
    [ATTR.dbSystem]: "postgresql",
    [ATTR.dbOperation]: summary.operation,
    [ATTR.dbSummary]: name,
  };
  if (summary.table !== null) attributes[ATTR.dbCollection] = summary.table;
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: end - took, attributes });
  if (failed) markFailed(span, "DatabaseError");
  span.end(end);
}

/**
 * `fn`, run outside any trace: for the hooks by which a call wakes background work (folds,
 * statistics, the embedding worker), whose timers would otherwise keep the call's context and
 * file their statements under it long after it ended.
 */
export function detached<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => (tracing ? context.with(ROOT_CONTEXT, () => fn(...args)) : fn(...args));
}

/**
 * Runs `fn` without spans for its statements: for a poll that runs every half second and
 * usually finds nothing, which would otherwise fill a trace backend with empty traces.
 */
export function quietly<T>(fn: () => T): T {
  return tracing ? context.with(ROOT_CONTEXT.setValue(QUIET, true), fn) : fn();
}

/** Adds the current trace context to an outgoing request's headers (the embedder's service, a webhook). */
export function withTraceHeaders(headers: Record<string, string>): Record<string, string> {
  if (tracing) propagation.inject(context.active(), headers);
  return headers;
}
