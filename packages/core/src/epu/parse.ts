/** Dispatch a file to its parser by its path inside the session directory. */
import { EpuFormatError, withFile } from "../errors.js";
import { parseAtlas } from "./atlas.js";
import { parseGridSquareMetadata } from "./grid-square-metadata.js";
import { parseFoilHoleImage, parseGridSquareImage, parseMicrograph } from "./images.js";
import { classifyEpuPath } from "./paths.js";
import { decodeUtf8 } from "../xml/leaves-bytes.js";
import { parseEpuSession } from "./session.js";
import type { ParsedEpuFile } from "./types.js";

/**
 * Parse one EPU file, given as text or as its UTF-8 bytes (faster for image XML). `relPath`
 * is relative to the session directory (or ends in Atlas.dm); errors always name it.
 * Throws EmflowError on bad input.
 */
export function parseEpuFile(relPath: string, data: string | Uint8Array): ParsedEpuFile {
  const info = classifyEpuPath(relPath);
  const text = (): string => (typeof data === "string" ? data : decodeUtf8(data));
  try {
    switch (info?.kind) {
      case "session":
        return parseEpuSession(text(), relPath);
      case "atlas":
        return parseAtlas(text(), relPath);
      case "gridSquareMetadata": {
        const parsed = parseGridSquareMetadata(text(), relPath);
        if (parsed.gridSquareId !== info.gridSquareId) {
          throw new EpuFormatError(`file name says grid square ${info.gridSquareId} but the content is grid square ${parsed.gridSquareId}`);
        }
        return { ...parsed, square: { ...parsed.square, metadataFile: relPath } };
      }
      case "gridSquareImage":
        return parseGridSquareImage(data, relPath, info);
      case "foilHoleImage":
        return parseFoilHoleImage(data, relPath, info);
      case "micrograph":
        return parseMicrograph(data, relPath, info);
      default:
        throw new EpuFormatError("not an EPU metadata file emflow reads");
    }
  } catch (err) {
    throw withFile(err, relPath);
  }
}

/**
 * Guess a file's kind from its content when its name does not follow EPU's
 * layout (e.g. a GridSquare .dm copied out of Metadata/). Looks at the root element.
 */
export function sniffEpuKind(text: string): "session" | "atlas" | "gridSquareMetadata" | "microscopeImage" | undefined {
  const m = /<([A-Za-z_][\w.-]*:)?(EpuSessionXml|AtlasSessionXml|GridSquareXml|MicroscopeImage)[\s>/]/.exec(text.slice(0, 4096));
  switch (m?.[2]) {
    case "EpuSessionXml":
      return "session";
    case "AtlasSessionXml":
      return "atlas";
    case "GridSquareXml":
      return "gridSquareMetadata";
    case "MicroscopeImage":
      return "microscopeImage";
    default:
      return undefined;
  }
}
