import { loadFft, type Fft } from "../fft/fft.js";
import { nextGoodSize } from "../fft/sizes.js";
import { signedIndex, type Spectrum2D } from "../fft/spectrum2d.js";
import { rampAxis } from "../fft/spectrum-ops.js";
import { parseOptions } from "../image/options.js";
import { ctfTerms, ctfValue, type CtfParameters } from "../ctf/model.js";
import { criticalExposure, frameExposure } from "../motion/dose.js";
import { deformationAtTime, randomDeformation, randomTrajectory, type DeformationTruth } from "./motion-model.js";
import { SimulateOptions, type SimulateConfig } from "./options.js";
import { Rng } from "./rng.js";
import { addTexture, placeParticles, renderParticles } from "./specimen.js";
import { kernelArena } from "../image/kernels.js";

/** What the simulated movie really contains (JSON-able). Positions in px of frame 0, sizes in Å. */
export interface MovieTruth {
  width: number;
  height: number;
  frame_count: number;
  /** Å/px. */
  apix: number;
  seed: number;
  /** e⁻/Å² per frame (exposure before the movie: 0). */
  dose_per_frame: number;
  /** Particle centres [[x, y], …] in frame-0 pixel coordinates (centres inside the image). */
  particles: [number, number][];
  /** Particle diameter, Å. */
  diameter: number;
  ctf: CtfParameters;
  /** Envelope B-factor, Å². */
  bfactor: number;
  /**
   * Global drift per frame [[x, y], …], px, relative to frame 0: the specimen point seen at p in
   * frame 0 is seen at p + trajectory[i] (+ local deformation) in frame i.
   */
  trajectory: [number, number][];
  /** Local displacement on top of the drift, see DeformationTruth (0 at frame 0). */
  deformation: DeformationTruth;
  /** Ice: thickness (nm) at the centre, change to the right/bottom edge, mean free path (nm). */
  ice: { thickness: number; gradient: [number, number]; roughness: number; roughness_length: number; mfp: number };
  /** Standard deviation of the gain reference (0 = none). */
  gain_sigma: number;
  /** Whether frames carry radiation damage (Grant & Grigorieff). */
  damage: boolean;
}

/** A simulated movie: frames are made on demand, so large movies stream. */
export interface SimulatedMovie {
  readonly width: number;
  readonly height: number;
  readonly frameCount: number;
  readonly truth: MovieTruth;
  /** Gain reference to multiply raw frames by (absent when gainSigma is 0). */
  readonly gain: Float32Array | undefined;
  /** Frames in order, counts per pixel (raw: not gain-corrected). */
  frames(): Generator<Float32Array>;
  /** Frame `index` (0-based) on its own; the same values `frames()` yields. */
  frame(index: number): Float32Array;
  /**
   * The noiseless, undamaged image in frame-0 coordinates, as relative intensity (1 = beam
   * through vacuum): ice attenuation × (1 + CTF-filtered specimen). Multiply by dose · apix²
   * for counts.
   */
  truthImage(): Float32Array;
}

/**
 * Simulate a dose-fractionated movie with ground truth: particles and ice texture, CTF and
 * envelope, global drift plus smooth local deformation, radiation damage, Poisson counts, optional
 * gain. Deterministic by `seed`.
 */
export async function simulateMovie(options: SimulateOptions): Promise<SimulatedMovie> {
  const cfg = parseOptions(SimulateOptions, options, "simulate options");
  const fft = await loadFft();
  return new Simulation(fft, cfg);
}

class Simulation implements SimulatedMovie {
  readonly width: number;
  readonly height: number;
  readonly frameCount: number;
  readonly truth: MovieTruth;
  readonly gain: Float32Array | undefined;
  private readonly pw: number;
  private readonly ph: number;
  private readonly margin: number;
  private readonly static: Spectrum2D;
  /** Radial bin of every stored coefficient, and 1 / (2 Ne(k)) per bin: damage is exp(−N_i · rate). */
  private readonly radialBin: Uint16Array;
  private readonly damageRate: Float64Array | undefined;
  private readonly kStep: number;
  private readonly attenuation: Float32Array;

  constructor(
    private readonly fft: Fft,
    private readonly cfg: SimulateConfig,
  ) {
    const { width, height, frameCount, pixelSize } = cfg;
    this.width = width;
    this.height = height;
    this.frameCount = frameCount;
    const trajectory = randomTrajectory(new Rng(cfg.seed, 1), frameCount, cfg.drift.total, cfg.drift.decay);
    const deformation = randomDeformation(new Rng(cfg.seed, 2), cfg.deformation);
    let reach = 0;
    for (const [x, y] of trajectory) reach = Math.max(reach, Math.abs(x), Math.abs(y));
    this.margin = Math.ceil(reach + 2 * cfg.deformation + 8);
    this.pw = nextGoodSize(width + 2 * this.margin, "real");
    this.ph = nextGoodSize(height + 2 * this.margin, "complex");

    const specimen = new Float32Array(this.pw * this.ph);
    const radius = cfg.particles.diameter / 2 / pixelSize;
    const area = this.pw * this.ph;
    const count = cfg.particles.count ?? Math.round((cfg.particles.fill * width * height) / (Math.PI * radius * radius));
    // Particles cover the padded area too, so drift brings new ones in from outside the frame.
    const placeRng = new Rng(cfg.seed, 3);
    const all = placeParticles(placeRng, this.pw, this.ph, Math.round((count * area) / (width * height)), 2 * radius * 1.05, radius);
    renderParticles(placeRng, specimen, this.pw, this.ph, all, radius, cfg.particles.contrast);
    addTexture(new Rng(cfg.seed, 4), specimen, cfg.ice.contrast);

    const ctf = normaliseCtf(cfg);
    this.static = this.fft.forward2d(specimen, this.pw, this.ph);
    this.kStep = Math.SQRT1_2 / pixelSize / (RADIAL_BINS - 1);
    this.radialBin = new Uint16Array(this.static.data.length / 2);
    this.damageRate = cfg.damage ? Float64Array.from({ length: RADIAL_BINS }, (_, b) => 1 / (2 * criticalExposure(b * this.kStep, ctf.voltage))) : undefined;
    this.applyCtf(ctf, cfg.bfactor);
    this.addRoughness(new Rng(cfg.seed, 6));

    this.attenuation = iceAttenuation(width, height, cfg.ice);
    this.gain = cfg.gainSigma > 0 ? randomGain(new Rng(cfg.seed, 5), width * height, cfg.gainSigma) : undefined;
    const m = this.margin;
    this.truth = {
      width,
      height,
      frame_count: frameCount,
      apix: pixelSize,
      seed: cfg.seed,
      dose_per_frame: cfg.dosePerFrame,
      particles: all.map(([x, y]): [number, number] => [x - m, y - m]).filter(([x, y]) => x >= 0 && y >= 0 && x < width && y < height),
      diameter: cfg.particles.diameter,
      ctf,
      bfactor: cfg.bfactor,
      trajectory,
      deformation,
      ice: { thickness: cfg.ice.thickness, gradient: cfg.ice.gradient, roughness: cfg.ice.roughness, roughness_length: cfg.ice.roughnessLength, mfp: cfg.ice.mfp },
      gain_sigma: cfg.gainSigma,
      damage: cfg.damage,
    };
  }

  /** Multiply the static spectrum by CTF × envelope; note every coefficient's radial bin. */
  private applyCtf(ctf: CtfParameters, bfactor: number): void {
    const { pw, ph } = this;
    const apix = this.cfg.pixelSize;
    const terms = ctfTerms(ctf);
    const data = this.static.data;
    for (let kx = 0; kx <= pw / 2; kx++) {
      const fx = kx / pw / apix;
      for (let ky = 0; ky < ph; ky++) {
        const fy = signedIndex(ky, ph) / ph / apix;
        const k2 = fx * fx + fy * fy;
        const i = kx * ph + ky;
        // The DC term is the mean density: it only shifts the (unscattered) beam level, no CTF.
        const g = k2 === 0 ? 0 : ctfValue(terms, fx, fy) * Math.exp((-bfactor * k2) / 4);
        data[2 * i]! *= g;
        data[2 * i + 1]! *= g;
        this.radialBin[i] = Math.min(RADIAL_BINS - 1, Math.round(Math.sqrt(k2) / this.kStep));
      }
    }
  }

  /**
   * Smooth thickness variation as relative intensity −δt/mfp (white noise low-passed by a Gaussian
   * of the correlation length, scaled to the requested SD), added after the CTF.
   */
  private addRoughness(rng: Rng): void {
    const { pw, ph } = this;
    const { roughness, roughnessLength, mfp } = this.cfg.ice;
    if (roughness === 0) return;
    const noise = new Float32Array(pw * ph);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    const spec = this.fft.forward2d(noise, pw, ph).data;
    const sigma = roughnessLength / this.cfg.pixelSize;
    let power = 0;
    for (let kx = 0; kx <= pw / 2; kx++) {
      const fx = kx / pw;
      for (let ky = 0; ky < ph; ky++) {
        const fy = signedIndex(ky, ph) / ph;
        const g = kx === 0 && ky === 0 ? 0 : Math.exp(-2 * Math.PI * Math.PI * sigma * sigma * (fx * fx + fy * fy));
        const i = 2 * (kx * ph + ky);
        spec[i]! *= g;
        spec[i + 1]! *= g;
        power += (kx === 0 || kx === pw / 2 ? 1 : 2) * (spec[i]! ** 2 + spec[i + 1]! ** 2);
      }
    }
    // Parseval: pixel variance = power / N².
    const std = Math.sqrt(power) / (pw * ph);
    const scale = std > 0 ? -roughness / mfp / std : 0;
    const data = this.static.data;
    for (let i = 0; i < data.length; i++) data[i]! += scale * spec[i]!;
  }

  *frames(): Generator<Float32Array> {
    for (let i = 0; i < this.frameCount; i++) yield this.frame(i);
  }

  frame(index: number): Float32Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.frameCount) throw new RangeError(`frame ${index} out of 0..${this.frameCount - 1}`);
    const contrast = this.contrastImage(index);
    const { width, height, cfg } = this;
    const perPixel = cfg.dosePerFrame * cfg.pixelSize * cfg.pixelSize;
    const rng = new Rng(cfg.seed, 1000 + index);
    const out = new Float32Array(width * height);
    const gain = this.gain;
    for (let i = 0; i < out.length; i++) {
      const lambda = Math.max(0, perPixel * this.attenuation[i]! * (1 + contrast[i]!));
      out[i] = rng.poisson(gain === undefined ? lambda : lambda / gain[i]!);
    }
    return out;
  }

  truthImage(): Float32Array {
    const image = this.crop(this.fft.inverse2d(this.static));
    for (let i = 0; i < image.length; i++) image[i] = this.attenuation[i]! * (1 + image[i]!);
    return image;
  }

  /** CTF-filtered specimen contrast of frame `index`, damaged, drifted and deformed, cropped. */
  private contrastImage(index: number): Float32Array {
    const { pw, ph } = this;
    const [tx, ty] = this.truth.trajectory[index]!;
    const src = this.static.data;
    const data = new Float32Array(src.length);
    const ex = rampAxis(pw, pw / 2 + 1, tx);
    const ey = rampAxis(ph, ph, ty);
    const exposure = frameExposure(index, this.cfg.dosePerFrame);
    const rate = this.damageRate;
    const damage = new Float32Array(RADIAL_BINS).fill(1);
    if (rate !== undefined) for (let b = 0; b < RADIAL_BINS; b++) damage[b] = Math.exp(-exposure * rate[b]!);
    const bins = this.radialBin;
    for (let kx = 0; kx <= pw / 2; kx++) {
      const cr = ex[2 * kx]!;
      const ci = ex[2 * kx + 1]!;
      for (let ky = 0; ky < ph; ky++) {
        const i = kx * ph + ky;
        const d = damage[bins[i]!]!;
        const pr = (cr * ey[2 * ky]! - ci * ey[2 * ky + 1]!) * d;
        const pi = (cr * ey[2 * ky + 1]! + ci * ey[2 * ky]!) * d;
        const re = src[2 * i]!;
        const im = src[2 * i + 1]!;
        data[2 * i] = re * pr - im * pi;
        data[2 * i + 1] = re * pi + im * pr;
      }
    }
    const shifted = this.fft.inverse2d({ width: pw, height: ph, data });
    const tau = this.frameCount > 1 ? index / (this.frameCount - 1) : 0;
    if (this.cfg.deformation === 0 || tau === 0) return this.crop(shifted);
    const { cx, cy } = deformationAtTime(this.truth.deformation, tau);
    return warp(shifted, pw, ph, this.margin, this.width, this.height, cx, cy);
  }

  private crop(image: Float32Array): Float32Array {
    const { width, height, pw, margin } = this;
    const out = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      const from = (y + margin) * pw + margin;
      out.set(image.subarray(from, from + width), y * width);
    }
    return out;
  }
}

const RADIAL_BINS = 4096;

/** The SIMD cubic warp (see warpQuadratic for the reference); D sampled every 16 px along rows. */
function warp(src: Float32Array, srcW: number, srcH: number, offset: number, width: number, height: number, cx: readonly number[], cy: readonly number[]): Float32Array {
  const arena = kernelArena();
  try {
    const sp = arena.buffer("sim-src", 4 * src.length);
    const op = arena.buffer("sim-out", 4 * width * height);
    const cp = arena.buffer("sim-coefficients", 80);
    arena.f32(sp, src.length).set(src);
    arena.f64(cp, 10).set([...cx, ...cy]);
    arena.fn.warp_quadratic(sp, srcW, srcH, offset, op, width, height, cp, 16);
    return arena.f32(op, width * height).slice();
  } finally {
    arena.release();
  }
}

/** CTF truth with U ≥ V and the angle in [0, 180). */
function normaliseCtf(cfg: SimulateConfig): CtfParameters {
  let { defocusU: u, defocusV: v, astigmatismAngle: angle } = cfg.ctf;
  if (u < v) {
    [u, v] = [v, u];
    angle += 90;
  }
  angle = ((angle % 180) + 180) % 180;
  return {
    defocus_u: u,
    defocus_v: v,
    astigmatism_angle: angle,
    voltage: cfg.ctf.voltage,
    cs: cfg.ctf.cs,
    amplitude_contrast: cfg.ctf.amplitudeContrast,
    phase_shift: cfg.ctf.phaseShift,
  };
}

/** exp(−t(r)/mfp) with t linear across the image. */
function iceAttenuation(width: number, height: number, ice: SimulateConfig["ice"]): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const yh = (2 * y - (height - 1)) / height;
    for (let x = 0; x < width; x++) {
      const xh = (2 * x - (width - 1)) / width;
      const t = Math.max(0, ice.thickness + ice.gradient[0] * xh + ice.gradient[1] * yh);
      out[y * width + x] = Math.exp(-t / ice.mfp);
    }
  }
  return out;
}

/** Per-pixel gain 1 + σ·N(0, 1), clamped to [0.5, 1.5]. */
function randomGain(rng: Rng, n: number, sigma: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(1.5, Math.max(0.5, 1 + sigma * rng.normal()));
  return out;
}
