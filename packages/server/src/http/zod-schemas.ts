/**
 * zod as fastify's schema language, without a type-provider package: route
 * schemas are zod objects; the validator compiler runs them (400 with the
 * first issues' paths), the serializer is plain JSON.stringify, the type
 * provider gives handlers typed params/query/body, and `toOpenApiSchema`
 * turns them into JSON Schema for @fastify/swagger.
 */
import type { FastifySchemaCompiler, FastifySerializerCompiler, FastifyTypeProvider } from "fastify";
import { z } from "zod";
import { ValidationError } from "../errors.js";

/** Lets handlers see `z.output` of their route's schemas. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  readonly validator: this["schema"] extends z.ZodType ? z.output<this["schema"]> : unknown;
  readonly serializer: this["schema"] extends z.ZodType ? z.input<this["schema"]> : unknown;
}

/** `items[3].data.stageXUm` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out.length === 0 ? String(p) : `.${String(p)}`;
  return out;
}

/** One readable line for a zod error: up to three issues, each `path: message`. */
export function formatZodError(error: z.ZodError, part?: string): string {
  const lines = error.issues.slice(0, 3).map((issue) => {
    const path = formatPath(issue.path);
    const message = issue.message.replace(/^Invalid input: /, "");
    return path.length > 0 ? `${path}: ${message}` : part === undefined ? message : `${part}: ${message}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : "";
  return lines.join("; ") + more;
}

/** Validate a request part with its zod schema; non-zod schemas (from plugins) pass through. */
export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (!(schema instanceof z.ZodType)) return (data: unknown) => ({ value: data });
  return (data: unknown) => {
    const result = schema.safeParse(data);
    return result.success ? { value: result.data } : { error: new ValidationError(formatZodError(result.error, httpPart === "body" ? "body" : httpPart)) };
  };
};

/** Responses are built from typed store results, so they are not re-validated on the way out. */
export const jsonSerializerCompiler: FastifySerializerCompiler<unknown> = () => (data: unknown) => JSON.stringify(data);

/** A zod schema as an OpenAPI 3.0 schema object (input shape for requests, output shape for responses). */
export function toOpenApiSchema(schema: unknown, io: "input" | "output"): unknown {
  if (!(schema instanceof z.ZodType)) return schema;
  return z.toJSONSchema(schema, { target: "openapi-3.0", io, unrepresentable: "any" });
}
