import { getOption, type DescMethod } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { required_scope } from "../../../gen/ts/engram/v1/access_pb.js";
import { principalFromValues, requireScope, SCOPES, type Scope } from "../../auth/principal.js";

/**
 * Checks the scope each method declares in its proto (engram.v1.required_scope) before the
 * handler runs, so that no handler repeats it and none can forget it. Methods that declare
 * none (health, reflection) need no key.
 */
export function scopeInterceptor(): Interceptor {
  return (next) => async (req) => {
    const scope = requiredScopeOf(req.method);
    if (scope !== undefined) requireScope(principalFromValues(req.contextValues), scope);
    return next(req);
  };
}

export function requiredScopeOf(method: DescMethod): Scope | undefined {
  const scope = getOption(method, required_scope);
  if (scope === "") return undefined;
  if (!(SCOPES as readonly string[]).includes(scope)) throw new Error(`unknown required_scope "${scope}"`);
  return scope as Scope;
}
