/**
 * CTF estimation with CTFFIND 4.1/5: the answers go to its standard input, and
 * the results are read from the text files it writes beside the diagnostic image.
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { CtfResult } from "@emflow/core";
import { ctffindAnswers, CtffindOptions } from "./ctffind-answers.js";
import { ctfResultFromCtffind, parseCtffindAvrot, parseCtffindOutput, type CtfProfile } from "./ctffind-output.js";
import { exists, readOutput, requireFiles } from "./outputs.js";
import { runProgram } from "./run.js";
import { stem } from "./stage.js";
import { externalTool } from "./tools.js";
import { parseWith } from "./validate.js";

/** What a run produced. `result.profile` holds the 1D profile when `_avrot.txt` was written. */
export interface CtffindOutcome {
  readonly result: CtfResult & { profile?: CtfProfile };
  readonly files: { readonly diagnostic: string; readonly output: string; readonly avrot?: string };
  readonly answers: readonly string[];
  readonly argv: readonly string[];
}

/** The text files CTFFIND writes for diagnostic image `diagnostic`: `<root>.txt` and `<root>_avrot.txt`. */
export function ctffindOutputFiles(diagnostic: string): { output: string; avrot: string } {
  const root = diagnostic.replace(/\.[^./]*$/, "");
  return { output: `${root}.txt`, avrot: `${root}_avrot.txt` };
}

/** Estimate the CTF of one micrograph; the diagnostic image goes to `<outputDir>/<name>.ctf` (RELION's naming). */
export async function ctffindEstimate(req: { micrograph: string; outputDir: string; options: CtffindOptions; signal?: AbortSignal }): Promise<CtffindOutcome> {
  const o = parseWith(CtffindOptions, req.options, "CTFFIND options");
  const tool = externalTool("ctffind", o.executable);
  const outputDir = resolve(req.outputDir);
  const diagnostic = join(outputDir, `${stem(req.micrograph)}.ctf`);
  const { output, avrot } = ctffindOutputFiles(diagnostic);
  await mkdir(dirname(diagnostic), { recursive: true });
  const answers = ctffindAnswers(resolve(req.micrograph), diagnostic, o);
  await runProgram({
    tool,
    args: [],
    cwd: outputDir,
    stdin: `${answers.join("\n")}\n`,
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    ...(req.signal === undefined ? {} : { signal: req.signal }),
  });
  await requireFiles(tool, [output]);
  const hasAvrot = await exists(avrot);
  const result = await readOutput(tool, async () => {
    const row = parseCtffindOutput(await readFile(output, "utf8"), output)[0];
    const ctf = ctfResultFromCtffind(row as NonNullable<typeof row>, output);
    const profile = hasAvrot ? parseCtffindAvrot(await readFile(avrot, "utf8"), avrot)[0] : undefined;
    return profile === undefined ? ctf : { ...ctf, profile };
  });
  return { result, files: { diagnostic, output, ...(hasAvrot ? { avrot } : {}) }, answers, argv: [tool.executable] };
}
