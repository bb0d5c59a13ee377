/**
 * The external programs emflow can run, the configuration key that selects
 * each one's executable, and the default name looked up on PATH.
 */
import { z } from "zod";

/** A program to run: a human name, the executable (name on PATH or path), and where it is configured. */
export interface ExternalTool {
  readonly name: string;
  readonly executable: string;
  /** The configuration key that sets `executable`, named in "not found" errors. */
  readonly configKey: string;
}

/** Default executables, keyed by the tool id used in configuration (`processing.tools.<id>`). */
export const TOOL_EXECUTABLES = {
  relion_run_motioncorr: "relion_run_motioncorr",
  relion_autopick: "relion_autopick",
  motioncor2: "MotionCor2",
  ctffind: "ctffind",
  cryolo: "cryolo_predict.py",
} as const;
export type ToolId = keyof typeof TOOL_EXECUTABLES;

/** The configuration section `processing.tools`: an executable path per tool, all optional. */
export const ExternalToolPaths = z
  .object({
    relion_run_motioncorr: z.string().min(1),
    relion_autopick: z.string().min(1),
    motioncor2: z.string().min(1),
    ctffind: z.string().min(1),
    cryolo: z.string().min(1),
  })
  .partial();
export type ExternalToolPaths = z.infer<typeof ExternalToolPaths>;

/** The tool `id`, with `executable` overriding the default name. */
export function externalTool(id: ToolId, executable?: string): ExternalTool {
  return { name: TOOL_EXECUTABLES[id], executable: executable ?? TOOL_EXECUTABLES[id], configKey: `processing.tools.${id}` };
}
