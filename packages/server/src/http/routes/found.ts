/** 404 helper shared by the read routes. */
import { NotFoundError } from "../../errors.js";

/** Return `value`, or throw NotFoundError naming what was looked for. */
export function found<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined) throw new NotFoundError(`${what} ${id} not found`);
  return value;
}
