import { InvalidArgumentError } from "commander";
import { z } from "zod";

/**
 * Readers of settings' text (a flag's argument or an environment variable), as zod schemas:
 * a port, limit or CORS origin that is not exactly what was meant is refused at start-up with
 * one clear message, rather than quietly read as something else (Number("") is 0, "0x1f" is
 * 31; a browser never sends "https://x/").
 */

/** A whole number from `min` to `max`. Digits only: Number() would also take "", "0x1f" and "1e3". */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): z.ZodType<number, string> {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  const message = `expected a whole number ${range}`;
  return z
    .string()
    .trim()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, message));
}

/** A comma-separated list of "*" and origins, each exactly as browsers send it in the Origin header. */
export const origins: z.ZodType<string[], string> = z.string().transform((value, ctx) => {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const origin of entries) {
    const problem = originProblem(origin);
    if (problem !== null) {
      ctx.addIssue({ code: "custom", message: problem });
      return z.NEVER;
    }
  }
  return entries;
});

/**
 * A comma-separated list (--read-database-url): each entry is checked where the configuration is
 * read (configFrom), since commander's own message would repeat the text, passwords included.
 * A URL holding a comma is written with it percent-encoded (%2C), as any URL may be.
 */
export const commaList: z.ZodType<string[], string> = z.string().transform((value) =>
  value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== ""),
);

function originProblem(origin: string): string | null {
  if (origin === "*") return null;
  let canonical: string | undefined;
  try {
    const url = new URL(origin);
    if (url.protocol === "http:" || url.protocol === "https:") canonical = url.origin;
  } catch {
    // Not a URL at all: reported below like any other malformed entry.
  }
  if (canonical === origin) return null;
  // Origins are compared byte for byte: a trailing slash, a path, upper case or a default port never match.
  const hint = canonical === undefined ? "" : ` (did you mean ${canonical}?)`;
  return `"${origin}" is not "*" or an origin like https://host[:port]${hint}`;
}

/** A schema as commander's argument parser: its first complaint becomes commander's error. */
export function argParser<T>(schema: z.ZodType<T, string>): (value: string) => T {
  return (value) => {
    const result = schema.safeParse(value);
    if (!result.success) throw new InvalidArgumentError(result.error.issues[0]?.message ?? "invalid value");
    return result.data;
  };
}

export const int = (min: number, max?: number) => argParser(wholeNumber(min, max));
export const originList = argParser(origins);
