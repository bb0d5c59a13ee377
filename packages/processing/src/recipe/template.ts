/**
 * The two kinds of substitution in recipes.
 *
 * `{name}` — recipe parameters, filled in once when a recipe starts, deep in
 * every string of the steps (queue names included) and start payloads. A
 * string that is exactly one placeholder takes the parameter's value with
 * its type (`"{threads}"` → 4); inside a longer string the value is written
 * out as text. A missing parameter is an error naming it, unless the recipe
 * marks it optional as `{name?}` (then null, or "" inside a longer string).
 * Text in braces that is not a placeholder (`{}`, `{"a": 1}`) stays as it is.
 *
 * `$name` (or `${name}`) — results stored by earlier steps (`store_result`),
 * resolved in a step's parameters when its message is delivered, with the
 * same whole-string rule. `$$` is a literal `$`.
 */
import { EmflowError } from "@emflow/core";
import type { Json } from "../queue/transport.js";

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)(\?)?\}/g;
const WHOLE_PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)(\?)?\}$/;
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
const WHOLE_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/** Values as text inside a longer string. */
function asText(v: Json): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Map every string in `value` (not object keys) through `f`, with its path. */
function mapStrings(value: Json, f: (s: string, path: string) => Json, path: string): Json {
  if (typeof value === "string") return f(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, f, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, f, path === "" ? k : `${path}.${k}`);
    return out;
  }
  return value;
}

/** Where each missing parameter was wanted. */
export type MissingParameters = Map<string, string[]>;

/** Fill `{name}` placeholders in `value` from `params`; missing names are added to `missing` with their paths. */
export function fillParameters(value: Json, params: Readonly<Record<string, Json>>, missing: MissingParameters, path = ""): Json {
  const lookup = (name: string, optional: boolean, at: string): Json | undefined => {
    if (Object.hasOwn(params, name)) return params[name];
    if (optional) return undefined;
    missing.set(name, [...(missing.get(name) ?? []), at]);
    return undefined;
  };
  return mapStrings(
    value,
    (s, at) => {
      const whole = WHOLE_PLACEHOLDER.exec(s);
      if (whole) return lookup(whole[1]!, whole[2] === "?", at) ?? (whole[2] === "?" ? null : s);
      return s.replace(PLACEHOLDER, (match, name: string, optional?: string) => {
        const v = lookup(name, optional === "?", at);
        return v === undefined ? (optional === "?" ? "" : match) : asText(v);
      });
    },
    path,
  );
}

/** Throw a ValidationError naming every missing parameter and where it is used. */
export function checkMissing(missing: MissingParameters, what: string): void {
  if (missing.size === 0) return;
  const names = [...missing.keys()].sort();
  const detail = names.map((n) => `${n} (${missing.get(n)!.slice(0, 3).join(", ")}${missing.get(n)!.length > 3 ? ", …" : ""})`).join(", ");
  throw new EmflowError("ValidationError", `${what}: missing parameter${names.length > 1 ? "s" : ""} ${detail}`);
}

/** Resolve `$name` references in `value` from `environment`; throws a ValidationError naming unknown ones. */
export function resolveReferences(value: Json, environment: Readonly<Record<string, Json>>, what: string): Json {
  const unknown = new Set<string>();
  const get = (name: string): Json | undefined => {
    if (Object.hasOwn(environment, name)) return environment[name];
    unknown.add(name);
    return undefined;
  };
  const out = mapStrings(
    value,
    (s) => {
      const whole = WHOLE_REFERENCE.exec(s);
      if (whole) return get((whole[1] ?? whole[2])!) ?? s;
      return s.replace(REFERENCE, (match, braced?: string, bare?: string) => {
        if (match === "$$") return "$";
        const v = get((braced ?? bare)!);
        return v === undefined ? match : asText(v);
      });
    },
    "",
  );
  if (unknown.size > 0) {
    const names = [...unknown].sort().map((n) => `$${n}`);
    throw new EmflowError("ValidationError", `${what}: ${names.join(", ")} not stored by any earlier step (store_result)`);
  }
  return out;
}
