export { StarDocument, StarBlock, StarTable, labelName, parseStarNumber, type StarPair } from "./model.js";
export { parseStar, type ParseStarOptions } from "./parse.js";
export {
  formatStar,
  formatStarNumber,
  type FormatStarOptions,
  type StarBlockSpec,
  type StarLoopBlock,
  type StarPairsBlock,
  type StarValue,
} from "./write.js";
export { readStarFile, writeStarFile } from "./io.js";
export { readOpticsGroups, joinOptics, opticsBlock, OpticsGroupSpec, type OpticsGroup, type OpticsJoin } from "./optics.js";
export { needsQuotes, quoteValue } from "./tokenize.js";
