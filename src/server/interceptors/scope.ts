import { getOption, type DescMethod } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { required_scope } from "../../../gen/ts/engram/v1/access_pb.js";
import { PUBLIC_SERVICES } from "../../api/authentication.js";
import { principalFromValues, requireScope, SCOPES, type Scope } from "../../auth/principal.js";
import { DomainError } from "../../errors/domain-error.js";

/**
 * Checks the scope each method declares in its proto (engram.v1.required_scope) before the
 * handler acts, so that no handler repeats it and none can forget it: a method of a service
 * that is not public (health, reflection) and declares no scope is refused.
 *
 * The check comes after the request is read and validated, as it did in the handlers: a
 * request that is malformed and also lacks the scope gets the validation error. A
 * server-streaming method's request is read only when the handler is about to run, and read
 * to its end (one message, no more), so the check runs there; any other stream is checked at
 * its first message.
 */
export function scopeInterceptor(): Interceptor {
  return (next) => async (req) => {
    const check = () => {
      const scope = requiredScopeOf(req.method);
      if (scope !== undefined) requireScope(principalFromValues(req.contextValues), scope);
      else if (!PUBLIC_SERVICES.has(req.service.typeName)) {
        throw new DomainError("permission_denied", "MISSING_SCOPE", `${req.method.name} declares no scope`);
      }
    };
    if (!req.stream) {
      check();
      return next(req);
    }
    const atEnd = req.method.methodKind === "server_streaming";
    return next({ ...req, message: checked(req.message, check, atEnd) });
  };
}

async function* checked<T>(messages: AsyncIterable<T>, check: () => void, atEnd: boolean): AsyncIterable<T> {
  let first = true;
  for await (const message of messages) {
    if (first && !atEnd) check();
    first = false;
    yield message;
  }
  // No message at all is a protocol error that the caller reports; the handler never runs.
  if (atEnd && !first) check();
}

/** Read once per method: options are decoded from the descriptor's bytes. */
const declared = new WeakMap<DescMethod, Scope | undefined>();

export function requiredScopeOf(method: DescMethod): Scope | undefined {
  if (declared.has(method)) return declared.get(method);
  const option = getOption(method, required_scope);
  if (option !== "" && !(SCOPES as readonly string[]).includes(option)) {
    throw new Error(`${method.name} declares an unknown required_scope "${option}"`);
  }
  const scope = option === "" ? undefined : (option as Scope);
  declared.set(method, scope);
  return scope;
}
