import { InvalidArgumentError } from "commander";

/** A whole number from `min` to `max`, for a flag or its environment variable. */
export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    // Digits only: Number() would also take "", "0x1f" and "1e3".
    const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected a whole number ${range}`);
    }
    return n;
  };

/** A comma-separated list of "*" and origins, each exactly as browsers send it in the Origin header. */
export function originList(value: string): string[] {
  const origins = value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const origin of origins) {
    if (origin === "*") continue;
    let canonical: string | undefined;
    try {
      const url = new URL(origin);
      if (url.protocol === "http:" || url.protocol === "https:") canonical = url.origin;
    } catch {
      // Not a URL at all: reported below like any other malformed entry.
    }
    if (canonical !== origin) {
      // Origins are compared byte for byte: a trailing slash, a path, upper case or a default port never match.
      const hint = canonical === undefined ? "" : ` (did you mean ${canonical}?)`;
      throw new InvalidArgumentError(`"${origin}" is not "*" or an origin like https://host[:port]${hint}`);
    }
  }
  return origins;
}
