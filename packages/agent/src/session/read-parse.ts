/** Read one EPU file and parse it, returning an error as a value (the pipeline decides what it means). */
import { EmflowError, EpuFormatError, parseEpuFile, type ParsedEpuFile } from "@emflow/core";

/**
 * Read `relPath` with `read` (as text, or as raw UTF-8 bytes: faster for image XML) and parse it;
 * an unreadable or malformed file comes back as an EmflowError.
 */
export async function readAndParse(
  relPath: string,
  read: (relPath: string) => string | Uint8Array | Promise<string | Uint8Array>,
): Promise<ParsedEpuFile | EmflowError> {
  let text: string | Uint8Array;
  try {
    text = await read(relPath);
  } catch (err) {
    return new EpuFormatError(`cannot read: ${(err as Error).message}`, { file: relPath });
  }
  try {
    return parseEpuFile(relPath, text);
  } catch (err) {
    return err instanceof EmflowError ? err : new EpuFormatError(String(err), { file: relPath });
  }
}
