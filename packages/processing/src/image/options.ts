import { ProcessingError } from "@emflow/core";
import type { z } from "zod";

/**
 * Validate an options object at a public edge. Problems become one ProcessingError naming the
 * field ("motion options: pixelSize: Too small: expected number to be >0").
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message));
  throw new ProcessingError(`${what}: ${issues.join("; ")}`);
}
