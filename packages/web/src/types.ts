/** The API's response shapes the dashboard reads (mirrors of the server's zod schemas, reads only). */

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly nextCursor: string | null;
}

export type TargetState = "Defined" | "Selected" | "Queued" | "InProgress" | "Completed" | "Skipped" | "Failed" | "Unknown";

export interface Acquisition {
  readonly id: string;
  readonly epuId: string;
  readonly name: string;
  readonly startedAt?: string;
  readonly microscope?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AcquisitionSummary {
  readonly acquisitionId: string;
  readonly grids: number;
  readonly atlasTiles: number;
  readonly gridSquares: number;
  readonly foilHoles: number;
  readonly micrographs: number;
  readonly lastUpdateAt: string | null;
}

export interface Grid {
  readonly id: string;
  readonly naturalId: string;
  readonly slot?: number;
  readonly squareCount?: number;
}

export interface AtlasTile {
  readonly id: string;
  readonly atlasX?: number;
  readonly atlasY?: number;
  readonly width?: number;
  readonly height?: number;
}

export interface Atlas {
  readonly id: string;
  readonly tiles: AtlasTile[];
}

export interface GridSquare {
  readonly id: string;
  readonly gridId: string;
  readonly naturalId: string;
  readonly atlasX?: number;
  readonly atlasY?: number;
  readonly atlasWidth?: number;
  readonly atlasHeight?: number;
  readonly state?: TargetState;
  readonly selected?: boolean;
  readonly holeCount?: number;
  readonly atlasQuality?: number;
  readonly acquiredAt?: string;
}

export interface FoilHole {
  readonly id: string;
  readonly gridSquareId: string;
  readonly naturalId: string;
  readonly pixelX?: number;
  readonly pixelY?: number;
  readonly diameterPx?: number;
  readonly state?: TargetState;
  readonly nearGridBar?: boolean;
  readonly quality?: number;
}

export interface Micrograph {
  readonly id: string;
  readonly acquisitionId: string;
  readonly gridSquareId: string;
  readonly foilHoleId: string;
  readonly naturalId: string;
  readonly acquiredAt?: string;
  readonly appliedDefocusA?: number;
  readonly pixelSizeA?: number;
  readonly doseEA2?: number;
  readonly frameCount?: number;
  readonly movieFile?: string;
}

export type StepName = "motion" | "ctf" | "pick" | "ice" | "thumbnails";
export type StepState = "queued" | "running" | "done" | "failed";

export interface StepRecord {
  readonly step: StepName;
  readonly state: StepState;
  readonly attempts: number;
  readonly tool: string | null;
  readonly error: string | null;
  readonly result: Record<string, unknown> | null;
  readonly seconds: number | null;
  readonly finishedAt: string | null;
}

export interface Metrics {
  readonly totalMotionA?: number;
  readonly earlyMotionA?: number;
  readonly lateMotionA?: number;
  readonly defocusUA?: number;
  readonly defocusVA?: number;
  readonly astigmatismA?: number;
  readonly ctfScore?: number;
  readonly ctfFitResolutionA?: number;
  readonly particleCount?: number;
  readonly iceMedian?: number;
}

export interface MicrographProcessing {
  readonly micrographId: string;
  readonly state: "none" | StepState;
  readonly steps: StepRecord[];
  readonly metrics: Metrics;
}

export interface ProcessingSettings {
  readonly state: "running" | "stopped";
  readonly params: Record<string, unknown>;
  readonly updatedAt: string | null;
}

export interface StepCounts {
  readonly queued: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
}

export interface ProcessingSummary {
  readonly acquisitionId: string;
  readonly micrographs: number;
  readonly movies: number;
  readonly started: number;
  readonly processed: number;
  readonly failed: number;
  readonly steps: Record<string, StepCounts>;
  readonly means: {
    readonly ctfFitResolutionA: number | null;
    readonly ctfFitResolutionMedianA: number | null;
    readonly totalMotionA: number | null;
    readonly particleCount: number | null;
    readonly iceMedian: number | null;
    readonly defocusA: number | null;
  };
  readonly settings: ProcessingSettings;
}

export interface ProcessingFailure {
  readonly micrographId: string;
  readonly naturalId: string;
  readonly step: string;
  readonly error: string;
  readonly attempts: number;
  readonly tool: string | null;
  readonly at: string | null;
}

export interface Queues {
  readonly transport: string;
  readonly queues: Array<{ queue: string; ready: number; inFlight: number; dead: number }>;
}

/** One change event from GET /api/v1/events. */
export interface ChangeEvent {
  readonly seq: number;
  readonly kind: string;
  readonly id: string;
  readonly acquisitionId: string;
  readonly op: "created" | "updated";
  readonly at: string;
}

/** A session's decision settings (GET/PUT /api/v1/acquisitions/{id}/decision-settings). */
export interface DecisionSettings {
  readonly acquisitionId: string;
  readonly mode: "off" | "advise" | "auto";
  readonly policy: string;
  readonly link: "none" | "athena" | "agent";
  readonly params: Record<string, unknown>;
  readonly updatedAt: string | null;
}

/** One entry of the ranked acquisition order. */
export interface RankedEntry {
  readonly gridSquareId: string | null;
  readonly naturalId: string;
  readonly rank: number;
  readonly score: number;
  readonly predicted: number | null;
  readonly reasons: string[];
}

/** One decision with its reasons and what happened to it. */
export interface Decision {
  readonly id: string;
  readonly seq: number;
  readonly acquisitionId: string;
  readonly source: "policy" | "operator";
  readonly policy: string;
  readonly action: string;
  readonly gridSquareId: string | null;
  readonly target: string | null;
  readonly reasons: string[];
  readonly numbers: Record<string, unknown>;
  readonly ranked: RankedEntry[];
  readonly state: "proposed" | "accepted" | "rejected" | "overridden" | "sent" | "superseded";
  readonly operator: string | null;
  readonly note: string | null;
  /** What the link answered: `{link, ...}` once sent, `{error, at, attempts}` after a failed send. */
  readonly delivery: { error?: string; attempts?: number; link?: string } | null;
  readonly createdAt: string;
  readonly actedAt: string | null;
  readonly sentAt: string | null;
}

/** Observed and predicted quality of a square or hole (GET .../scores). */
export interface ScoredArea {
  readonly id: string;
  readonly naturalId: string;
  readonly state: string | null;
  readonly observed: { micrographs: number; good: number; meanScore: number | null; goodFraction: number; low: number; high: number };
  readonly predicted: number;
  readonly predictedSd: number;
  readonly basis: string;
}

export interface Scores {
  readonly acquisitionId: string;
  readonly policy: string;
  readonly micrographs: number;
  readonly good: number;
  readonly items: ScoredArea[];
}
