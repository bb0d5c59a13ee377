/**
 * Constructors for core's tagged errors that core has no class for yet
 * (ValidationError, NotFoundError, ConflictError, UnauthorizedError).
 * The HTTP error handler maps them by tag, so these stay plain EmflowErrors.
 */
import { EmflowError } from "@emflow/core";

/** Bad input the client can fix (400). */
export class ValidationError extends EmflowError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super("ValidationError", message, opts);
  }
}

/** The thing asked for does not exist (404). */
export class NotFoundError extends EmflowError {
  constructor(message: string) {
    super("NotFoundError", message);
  }
}

/** The request contradicts the stored state, e.g. an unknown parent (409). */
export class ConflictError extends EmflowError {
  constructor(message: string) {
    super("ConflictError", message);
  }
}

/** Missing or wrong credentials (401). */
export class UnauthorizedError extends EmflowError {
  constructor(message: string) {
    super("UnauthorizedError", message);
  }
}
