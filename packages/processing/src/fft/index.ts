export { loadFft, type Fft } from "./fft.js";
export { isGoodComplexSize, isGoodRealSize, isGood2dSize, nextGoodSize, goodSizeAtMost } from "./sizes.js";
export { type Spectrum2D, spectrumLength, zeroSpectrum, signedIndex } from "./spectrum2d.js";
export { powerSpectrum, centeredPowerSpectrum, fourierCrop, phaseShift } from "./spectrum-ops.js";
export { crossCorrelate, type CorrelateOptions } from "./correlate.js";
export { findPeak, refinePeak, type Peak } from "./peak.js";
