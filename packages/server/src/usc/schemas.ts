/** Response shapes of the USC-compatible routes (snake_case, as USC clients read them). */
import { z } from "zod";
import { ErrorResponse } from "../http/schemas.js";
import { UscState } from "./status.js";

const count = z.number().int().min(0);
const pct = z.number().int().min(0).max(100);
const Source = z.enum(["data_root", "agent"]).describe("data_root: a directory under the data root; agent: an EPU session an agent sent");

/** Stored start parameters, in USC names. */
export const UscParamsSchema = z.object({
  apix: z.number().optional().describe("Å/px"),
  fmdose: z.number().optional().describe("e/Å² per frame"),
  kev: z.number().optional().describe("kV"),
  superresolution: z.boolean().optional(),
});

/** GET …/session/{id}. */
export const SessionStatusResponse = z.object({
  state: UscState,
  raw_files: count.describe("movies: raw/ files (data root) or micrographs with a movie (agent)"),
  processed_files: count.describe("movies with every processing step done (unregistered data-root sessions: with an output in processed/)"),
  failed_jobs: count.describe("failed processing steps (a job is one step of one movie)"),
  percent_done_total: pct.describe("processed_files / raw_files"),
  percent_current_cycle: pct.describe("of the movies queued so far, the share that finished (processed or failed)"),
  session_id: z.string(),
  source: Source,
  acquisition_id: z.string().optional().describe("the emflow acquisition, once registered"),
  name: z.string().optional().describe("EPU session name (agent sessions)"),
  params: UscParamsSchema,
});

/** GET …/sessions. */
export const SessionListResponse = z.object({
  sessions: z.array(z.object({ session_id: z.string(), state: UscState, source: Source, name: z.string().optional() })),
});

/** start-, stop- and resume-processing. */
export const ActionResponse = z.object({
  result: z.literal("ok"),
  session_id: z.string(),
  state: UscState.describe("the session's state after the action"),
  queued: count.describe("movies queued by this call"),
  detail: z.string(),
  acquisition_id: z.string().optional(),
});

/** GET /projects. */
export const ProjectsResponse = z.object({ projects: z.array(z.object({ project_id: z.string() })) });

/** 404 for an unknown session: the error plus the USC service's `state: "no_such_session"`. */
export const NoSuchSession = ErrorResponse.extend({ state: z.literal("no_such_session") });

export { ErrorResponse };
