/**
 * Text or binary, the way epuplayer decides: by extension first (EPU's .dm
 * and .xml are text; images and movies binary), otherwise by content (NUL
 * bytes or invalid UTF-8 in the first KiB mean binary).
 */

const TEXT = new Set(
  "txt md json xml html htm css js ts py java c h cpp hpp cs php rb go rs sh bat ps1 yml yaml toml ini cfg conf log csv tsv sql r tex star dm".split(" "),
);
const BINARY = new Set(
  "jpg jpeg png gif bmp tif tiff webp ico mrc mrcs eer dm3 dm4 h5 hdf5 npy mp4 avi mov mkv webm mp3 wav pdf zip gz tgz bz2 xz 7z tar exe dll so dylib bin dat db sqlite".split(" "),
);

/** Lower-case extension of a file name, without the dot ("" if none). */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot + 1).toLowerCase();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Whether bytes decode as UTF-8 text (undefined when they do not). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Binary or text by extension alone; undefined when the extension does not say. */
export function binaryByExtension(path: string): boolean | undefined {
  const ext = extensionOf(path);
  if (TEXT.has(ext)) return false;
  if (BINARY.has(ext)) return true;
  return undefined;
}

/** Binary by extension, or by looking at the first bytes when the extension is unknown. */
export function isBinary(path: string, head: Uint8Array): boolean {
  const byExt = binaryByExtension(path);
  if (byExt !== undefined) return byExt;
  const sample = head.subarray(0, 1024);
  if (sample.includes(0)) return true;
  // Streaming decode: a multi-byte character cut at the sample's end is not an error.
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(sample, { stream: true });
    return false;
  } catch {
    return true;
  }
}
