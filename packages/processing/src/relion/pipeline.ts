/**
 * default_pipeline.star in RELION 3.1's layout (PipeLine::write): the job
 * counter, the processes, the nodes, and the input and output edges that
 * connect them. Only jobs that have written something are listed.
 */
import type { StarBlockSpec } from "@emflow/formats";
import { JOBS, NEXT_JOB_NUMBER, PROCESS_FINISHED_SUCCESS, type JobKey } from "./layout.js";

/** The pipeline blocks for the jobs in `present` (in pipeline order); `pickInput` is the STAR AutoPick read. */
export function pipelineStar(present: ReadonlySet<JobKey>, pickInput: string): StarBlockSpec[] {
  const order: JobKey[] = ["import", "motion", "ctf", "pick"];
  const jobs = order.filter((k) => present.has(k));
  const inputs: Record<JobKey, string | undefined> = {
    import: undefined,
    motion: JOBS.import.output,
    ctf: JOBS.motion.output,
    pick: pickInput,
  };
  const processes = jobs.map((k) => [JOBS[k].dir, "None", JOBS[k].type, PROCESS_FINISHED_SUCCESS]);
  const nodes = jobs.map((k) => [JOBS[k].output, JOBS[k].nodeType]);
  const inputEdges = jobs.flatMap((k) => {
    const from = inputs[k];
    return from !== undefined && nodes.some(([n]) => n === from) ? [[from, JOBS[k].dir]] : [];
  });
  const outputEdges = jobs.map((k) => [JOBS[k].dir, JOBS[k].output]);
  return [
    { name: "pipeline_general", pairs: { rlnPipeLineJobCounter: NEXT_JOB_NUMBER } },
    { name: "pipeline_processes", columns: ["rlnPipeLineProcessName", "rlnPipeLineProcessAlias", "rlnPipeLineProcessType", "rlnPipeLineProcessStatus"], rows: processes },
    { name: "pipeline_nodes", columns: ["rlnPipeLineNodeName", "rlnPipeLineNodeType"], rows: nodes },
    { name: "pipeline_input_edges", columns: ["rlnPipeLineEdgeFromNode", "rlnPipeLineEdgeProcess"], rows: inputEdges },
    { name: "pipeline_output_edges", columns: ["rlnPipeLineEdgeProcess", "rlnPipeLineEdgeToNode"], rows: outputEdges },
  ] as StarBlockSpec[];
}
