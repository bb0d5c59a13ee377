export { estimateIceThickness, IceOptions, type IceEstimate } from "./ice.js";
export { toGray8, downsample, type Gray8 } from "./gray.js";
export { makeThumbnails, micrographThumbnail, powerSpectrumThumbnail, pickOverlay, driftPlot, type Thumbnails, type ThumbnailInput, type PickOverlay, type DriftPlot } from "./thumbnails.js";
