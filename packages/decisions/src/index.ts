/**
 * @emflow/decisions: quality scores, predictions, acquisition policies, the replay simulator and
 * the clients that carry decisions to the microscope (Athena Decision Service, agent instructions).
 */
export const DECISIONS_PACKAGE = "@emflow/decisions";

// Quality: the micrograph rule and its aggregation to foil holes and grid squares.
export { QualityRule, QualityReason, DEFAULT_QUALITY_RULE, judgeMicrograph, type QualityVerdict } from "./quality/rule.js";
export { aggregateVerdicts, aggregateFoilHoles, aggregateGridSquares, type QualityAggregate, type SquareAggregate, type HoleMicrograph, type BetaPrior } from "./quality/aggregate.js";
export { betaSummary } from "./quality/beta.js";

// Predictions: the grid model.
export { GridPredictor, PredictorOptions, FEATURE_NAMES, type HolePrediction, type SquarePrediction } from "./predict/grid-predictor.js";
export { squareInputFromFields, holeInputFromFields, type SquareInput, type HoleInput } from "./predict/inputs.js";

// Policies.
export { PolicyName, ReasonCode, DEFAULT_POLICY, type Policy, type Decision, type DecisionNumbers, type RankedOrder, type RankedSquare, type RankedHole } from "./policy/types.js";
export { POLICY_NAMES, policyByName } from "./policy/registry.js";
export { UcbOptions } from "./policy/ucb.js";
export type { GreedyOptions } from "./policy/greedy.js";
export { AcquisitionState, ARRIVED_CLUSTER, type AcquisitionStateInit } from "./policy/state.js";
export { DEFAULT_EXPECTED_HOLES, DEFAULT_HOLES_PER_CLUSTER, gridProfile, expectedHolesOf, type GridProfile, type PreparedSquareStats } from "./policy/unprepared.js";
export { TimeModel, DEFAULT_TIME_MODEL, squareSwitchSeconds, holeSeconds, type StagePosition } from "./policy/time-model.js";

// Simulation.
export { Prng } from "./simulate/prng.js";
export { Scenario, ScenarioSquare, ScenarioHole, SCENARIO_FORMAT, parseScenario, scenarioToJson, exportScenario, loadScenario, type ScenarioInput } from "./simulate/scenario.js";
export { syntheticScenario, SyntheticGridOptions, iceQuality } from "./simulate/synthetic-grid.js";
export { scenarioFromSession, type SessionRecord } from "./simulate/from-session.js";
export { simulate, stateForScenario, holeInput, type SimulationOptions, type SimulationResult } from "./simulate/engine.js";
export { drawMetrics } from "./simulate/metrics.js";
export { SimulationRequest } from "./simulate/request.js";

// The Athena Decision Service client and simulator (packages/decisions/src/athena).
export * from "./athena/index.js";

// The link to the microscope: the Smart EPU Decision Service (Athena) client and simulator.
export * from "./athena/index.js";
