/**
 * Validation at the edge of the adapters and the RELION writer: a zod failure
 * becomes a ProcessingError with one readable line per problem.
 */
import { ProcessingError } from "@emflow/core";
import type { z } from "zod";

/** Parse `value` with `schema`; throws ProcessingError naming `what` and each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join(".")}: ` : ""}${i.message}`);
  throw new ProcessingError(`invalid ${what}: ${problems.join("; ")}`);
}
