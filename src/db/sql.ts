import type { EntityManager } from "@mikro-orm/sql";

/**
 * A composable SQL fragment with its parameters. Values interpolated into `sql` become
 * bound parameters; nested fragments are spliced in. Arrays are sent as Postgres array
 * literals because the driver would otherwise expand them into parameter lists.
 */
export class Sql {
  private constructor(
    readonly text: string,
    readonly params: readonly unknown[],
  ) {}

  static raw(text: string): Sql {
    return new Sql(text, []);
  }

  static join(parts: readonly Sql[], separator: string): Sql {
    return new Sql(
      parts.map((p) => p.text).join(separator),
      parts.flatMap((p) => p.params),
    );
  }

  /** A fragment whose text already holds one `?` per value, in order. */
  static bind(text: string, values: readonly unknown[]): Sql {
    return new Sql(text, values.map(toParam));
  }

  static of(strings: TemplateStringsArray, values: readonly unknown[]): Sql {
    let text = strings[0] ?? "";
    const params: unknown[] = [];
    values.forEach((value, i) => {
      if (value instanceof Sql) {
        text += value.text;
        params.push(...value.params);
      } else {
        text += "?";
        params.push(toParam(value));
      }
      text += strings[i + 1] ?? "";
    });
    return new Sql(text, params);
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return Sql.of(strings, values);
}

/** Runs a fragment and returns its rows. */
export async function query<Row>(em: EntityManager, fragment: Sql): Promise<Row[]> {
  return em.execute<Row[]>(fragment.text, [...fragment.params]);
}

function toParam(value: unknown): unknown {
  return Array.isArray(value) ? toArrayLiteral(value) : value;
}

function toArrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) => `"${String(v).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`);
  return `{${items.join(",")}}`;
}
