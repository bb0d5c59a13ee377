/**
 * Tagged errors shared by every package. Each carries a `_tag` so callers can
 * branch on the kind without `instanceof` across package boundaries.
 */
export type EmflowErrorTag =
  | "XmlSyntaxError"
  | "EpuFormatError"
  | "ValidationError"
  | "NotFoundError"
  | "ConflictError"
  | "UnauthorizedError"
  | "FormatError"
  | "ProcessingError"
  | "TransportError"
  | "ExternalToolError";

/** Base class: a message for humans, a tag for code, and an optional location. */
export class EmflowError extends Error {
  readonly _tag: EmflowErrorTag;
  /** File the problem was found in, when there is one. */
  readonly file: string | undefined;
  /** 1-based line in `file`, when known. */
  readonly line: number | undefined;

  constructor(tag: EmflowErrorTag, message: string, opts: { file?: string; line?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this._tag = tag;
    this.name = tag;
    this.file = opts.file;
    this.line = opts.line;
  }

  /** One line: `file:line: message` (or just the message). */
  toLine(): string {
    if (this.file === undefined) return this.message;
    return this.line === undefined ? `${this.file}: ${this.message}` : `${this.file}:${this.line}: ${this.message}`;
  }
}

/** The bytes are not well-formed XML (truncated, empty, mismatched tags, binary). */
export class XmlSyntaxError extends EmflowError {
  constructor(message: string, opts: { file?: string; line?: number } = {}) {
    super("XmlSyntaxError", message, opts);
  }
}

/** Well-formed XML that is not the EPU document we expected (wrong root, missing field, bad number). */
export class EpuFormatError extends EmflowError {
  constructor(message: string, opts: { file?: string; line?: number; cause?: unknown } = {}) {
    super("EpuFormatError", message, opts);
  }
}

/** A binary or text data file (MRC, TIFF, EER, STAR, gain reference) that is truncated, corrupt or unsupported. */
export class FormatError extends EmflowError {
  constructor(message: string, opts: { file?: string; line?: number; cause?: unknown } = {}) {
    super("FormatError", message, opts);
  }
}

/** A processing step that cannot run on its input or parameters (absurd values, sizes that do not match). */
export class ProcessingError extends EmflowError {
  constructor(message: string, opts: { file?: string; cause?: unknown } = {}) {
    super("ProcessingError", message, opts);
  }
}

/** A work-queue transport failure (broker unreachable, channel closed, message not deliverable). */
export class TransportError extends EmflowError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super("TransportError", message, opts);
  }
}

/** An external program (RELION, MotionCor2, CTFFIND, crYOLO) missing, failing, or writing output we cannot read. */
export class ExternalToolError extends EmflowError {
  constructor(message: string, opts: { file?: string; cause?: unknown } = {}) {
    super("ExternalToolError", message, opts);
  }
}

/** Type guard: is `err` an EmflowError, optionally with one of the given tags? */
export function isEmflowError(err: unknown, ...tags: EmflowErrorTag[]): err is EmflowError {
  return err instanceof EmflowError && (tags.length === 0 || tags.includes(err._tag));
}

/** Attach a file name to an error that lacks one, keeping its tag and line. */
export function withFile(err: unknown, file: string): EmflowError {
  if (isEmflowError(err)) {
    if (err.file !== undefined) return err;
    const copy = new EmflowError(err._tag, err.message, { file, cause: err.cause, ...(err.line === undefined ? {} : { line: err.line }) });
    return copy;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new EpuFormatError(message, { file, cause: err });
}
