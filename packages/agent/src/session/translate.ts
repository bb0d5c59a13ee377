/**
 * Turn one parsed EPU file into upserts keyed by natural ids. Pure: the
 * caller supplies the session's grid id and any paths it resolved on disk.
 */
import type { IngestItem, ParsedEpuFile } from "@emflow/core";

/** What a file's items need from the rest of the session. */
export interface TranslateContext {
  /** The grid (EPU sample) the session directory's files belong to. */
  readonly gridId: string;
  /** The session directory as the agent sees it. */
  readonly sessionDir: string;
}

/** Items for one parsed file, parents first. The atlas is translated separately (it lives outside the session). */
export function translateFile(parsed: ParsedEpuFile, ctx: TranslateContext): IngestItem[] {
  const gridId = ctx.gridId;
  switch (parsed.kind) {
    case "session":
      return translateSession(parsed, ctx.sessionDir);
    case "atlas":
      return translateAtlas(parsed, gridId);
    case "gridSquareMetadata":
      return [
        { kind: "gridSquare", gridId, gridSquareId: parsed.gridSquareId, data: parsed.square },
        ...parsed.foilHoles.map(
          (h): IngestItem => ({ kind: "foilHole", gridId, gridSquareId: parsed.gridSquareId, foilHoleId: h.foilHoleId, data: h.data }),
        ),
      ];
    case "gridSquareImage":
      return [{ kind: "gridSquare", gridId, gridSquareId: parsed.gridSquareId, data: parsed.square }];
    case "foilHoleImage":
      return [{ kind: "foilHole", gridId, gridSquareId: parsed.gridSquareId, foilHoleId: parsed.foilHoleId, data: parsed.hole }];
    case "micrograph":
      return [
        {
          kind: "micrograph",
          gridId,
          gridSquareId: parsed.gridSquareId,
          foilHoleId: parsed.foilHoleId,
          name: parsed.name,
          data: parsed.micrograph,
        },
      ];
  }
}

/** The acquisition, its grids and every grid square the session lists. */
export function translateSession(parsed: Extract<ParsedEpuFile, { kind: "session" }>, sessionDir: string): IngestItem[] {
  const items: IngestItem[] = [{ kind: "acquisition", data: { ...parsed.acquisition, directory: sessionDir } }];
  for (const sample of parsed.samples) {
    items.push({ kind: "grid", gridId: sample.gridId, data: sample.grid });
  }
  for (const sample of parsed.samples) {
    for (const sq of sample.squares) {
      items.push({ kind: "gridSquare", gridId: sample.gridId, gridSquareId: sq.gridSquareId, data: {} });
    }
  }
  return items;
}

/** The atlas of grid `gridId`, its tiles, and each grid square's place on it. */
export function translateAtlas(parsed: Extract<ParsedEpuFile, { kind: "atlas" }>, gridId: string, file?: string): IngestItem[] {
  return [
    { kind: "atlas", gridId, data: file === undefined ? parsed.atlas : { ...parsed.atlas, file } },
    ...parsed.tiles.map((t): IngestItem => ({ kind: "atlasTile", gridId, tileId: t.tileId, data: t.data })),
    ...parsed.squares.map((s): IngestItem => ({ kind: "gridSquare", gridId, gridSquareId: s.gridSquareId, data: s.data })),
  ];
}
