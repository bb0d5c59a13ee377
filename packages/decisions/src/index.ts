/**
 * @emflow/decisions: quality scores, predictions, acquisition policies, the replay simulator and
 * the clients that carry decisions to the microscope (Athena Decision Service, agent instructions).
 */
export const DECISIONS_PACKAGE = "@emflow/decisions";
