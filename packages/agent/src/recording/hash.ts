/** sha256 of files and bytes, as epuplayer records them (lower-case hex). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** sha256 hex of a file's whole content, or undefined if it does not exist. */
export async function sha256File(path: string): Promise<string | undefined> {
  const h = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR") return undefined;
    throw err;
  }
  return h.digest("hex");
}

/** sha256 hex of bytes. */
export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
