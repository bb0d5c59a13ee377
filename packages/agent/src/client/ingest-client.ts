/**
 * HTTP client for the server's batch ingest endpoint, with a timeout per
 * request and errors classified as retryable (server away, overloaded,
 * misconfigured token) or permanent (the server will never accept this batch).
 */
import { IngestResult, type IngestBatch } from "@emflow/core";

/** Why a send failed, and whether trying again can help. */
export class SendError extends Error {
  readonly _tag = "SendError";
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface IngestClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 */
  readonly server: string;
  readonly token?: string;
  /** Per-request timeout in ms (default 30 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** Posts batches to `<server>/api/v1/ingest`. */
export class IngestClient {
  private readonly url: string;
  constructor(private readonly opts: IngestClientOptions) {
    this.url = new URL("/api/v1/ingest", opts.server).toString();
  }

  /** Send one batch; resolves with the server's result or throws SendError. */
  async send(batch: IngestBatch, signal?: AbortSignal): Promise<IngestResult> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.opts.token !== undefined) headers["authorization"] = `Bearer ${this.opts.token}`;
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify(batch),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      signal?.throwIfAborted();
      const cause = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
      const code = cause?.code ?? cause?.errors?.find((e) => e.code !== undefined)?.code;
      throw new SendError(`cannot reach ${this.opts.server}: ${code ?? cause?.message ?? (err as Error).message}`, true);
    }
    const text = await res.text().catch(() => "");
    if (res.ok) {
      const parsed = IngestResult.safeParse(safeJson(text));
      if (!parsed.success) throw new SendError(`server answered ${res.status} with an unexpected body`, true, res.status);
      return parsed.data;
    }
    const message = (safeJson(text) as { error?: { message?: string } } | undefined)?.error?.message ?? text.slice(0, 200);
    // 401/403: a wrong or missing token is fixed by the operator, not by dropping data: keep retrying.
    const retryable = res.status >= 500 || [401, 403, 408, 425, 429].includes(res.status);
    throw new SendError(`server answered ${res.status}: ${message}`, retryable, res.status);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
