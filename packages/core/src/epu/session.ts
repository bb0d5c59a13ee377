/** EpuSession.dm: the session, its grid(s) and the grid squares EPU knows about. */
import { Dcs } from "../xml/dcs.js";
import { parseXml } from "../xml/tree.js";
import { isoUtc, mapOpt, mToUm, sig } from "../units.js";
import { compact } from "./microscope-image.js";
import type { ParsedSample, ParsedSession } from "./types.js";

/** Parse the text of an EpuSession.dm. `file` names the file in errors. */
export function parseEpuSession(text: string, file?: string): ParsedSession {
  const x = new Dcs(parseXml(text, file), file);
  const root = x.root;
  if (root.name !== "EpuSessionXml") throw x.error(`expected <EpuSessionXml>, found <${root.name}>`);
  const epuId = x.reqStr(root, "Id");
  if (!/^\d+$/.test(epuId)) throw x.error(`session Id '${epuId}' is not an EPU id`);
  const name = x.reqStr(root, "Name");
  const folders = x.items(x.child(root, "StorageFolders"), "StorageFolderXml");
  // The EPU release is in the root's z:Assembly ("Applications.Epu.Persistence, Version=3.9.1.8206, ...");
  // the <Version> element is the file format's version.
  const epuVersion = /Version=([\d.]+)/.exec(root.attrs?.["Assembly"] ?? "")?.[1];
  const samples: ParsedSample[] = x.items(x.child(root, "Samples"), "SampleXml").map((sample) => {
    const gridId = x.reqStr(sample, "Id");
    const holes = x.child(sample, "FilterHolesSettings");
    const squares = x.entries(x.at(sample, "GridSquares/m_serializationArray")).map(([key, value]) => ({
      gridSquareId: key,
      metadataFile: x.str(value, "FileName"),
    }));
    return {
      gridId,
      atlasWindowsPath: x.str(sample, "AtlasId"),
      squares,
      grid: compact({
        gridType: x.str(sample, "GridType"),
        geometry: x.str(sample, "GridGeometry"),
        startedAt: isoUtc(x.str(sample, "StartDateTime")),
        endedAt: isoUtc(x.str(sample, "EndDateTime")),
        holeSizeUm: mapOpt(x.num(holes, "HoleSize"), (m) => sig(mToUm(m))),
        holeSpacingUm: mapOpt(x.num(holes, "HoleSpacing"), (m) => sig(mToUm(m))),
        atlasPath: x.str(sample, "AtlasId"),
        slot: x.num(root, "AutoloaderSlot"),
        squareCount: squares.length,
      }),
    };
  });
  return {
    kind: "session",
    epuId,
    name,
    samples,
    acquisition: compact({
      startedAt: isoUtc(x.str(root, "StartDateTime")),
      clusteringMode: x.str(root, "ClusteringMode"),
      clusteringRadiusUm: mapOpt(x.num(root, "ClusteringRadius"), (m) => sig(mToUm(m))),
      storageFolder: folders[0] === undefined ? undefined : x.str(folders[0], "Path"),
      imageFileFormat: x.str(root, "ImageFileFormat"),
      doseFractionsFormat: x.str(root, "DoseFractionsOutputFormat"),
      microscope: x.str(root, "MicroscopeName"),
      epuVersion,
    }),
  };
}
