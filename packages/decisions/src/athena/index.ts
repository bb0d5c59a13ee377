/**
 * The link to ThermoFisher's Smart EPU Decision Service ("Athena"): schemas, a typed client, the
 * emflow → Athena mapping, and a simulator of the same API subset. See README.md here.
 */
export {
  AthenaAcquisitionState,
  AthenaAlgorithmResult,
  AthenaAlgorithmResultType,
  AthenaArea,
  AthenaAreaBody,
  AthenaAreaState,
  AthenaAreaStateBody,
  AthenaAreaStateChange,
  AthenaAreaType,
  AthenaDecisionBody,
  AthenaDecisionRecord,
  AthenaDecisionType,
  AthenaGridType,
  AthenaPluginType,
  AthenaProblemDetails,
  AthenaRun,
  AthenaRunStart,
  AthenaRunStop,
  AthenaSession,
  AthenaSessionRegistration,
} from "./schemas.js";
export { AthenaClient, type AthenaAreaFilter, type AthenaCallOptions, type AthenaDecisionFilter } from "./client.js";
export { athenaUrl, createAthenaTransport, type AthenaCall, type AthenaResponse, type AthenaTransport, type AthenaTransportOptions } from "./transport.js";
export { backoffDelay, DEFAULT_ATHENA_RETRY, retryTransient, type AthenaAttemptFailure, type AthenaRetryPolicy } from "./retry.js";
export {
  acquisitionOrderDecision,
  atlasArea,
  ATHENA_ATLAS_AREA_ID,
  ATHENA_DECIDED_BY,
  athenaAreaId,
  isAthenaAreaId,
  athenaGridType,
  foilHoleArea,
  gridSquareArea,
  includeDecision,
  parseAcquisitionOrder,
  rankedOrderDecisions,
  selectionDecision,
  sessionRegistration,
  type AthenaRankedOrderInput,
} from "./mapping.js";
export { startAthenaSimulator, type AthenaSimRequestLog, type AthenaSimulator, type AthenaSimulatorOptions } from "./simulator.js";
export { createAthenaSimState, type AthenaSimEvent, type AthenaSimEventKind, type AthenaSimSession, type AthenaSimState } from "./simulator-store.js";
export type { AthenaSimDecisionFilter } from "./simulator-decisions.js";
