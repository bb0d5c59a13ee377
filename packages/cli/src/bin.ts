#!/usr/bin/env node
/** Entry point of the `emflow` command. */
import { buildProgram } from "./program.js";
import { reportError } from "./ui/errors.js";

const verbose = process.argv.includes("--verbose");
const program = buildProgram((work) => {
  work().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err, verbose);
    },
  );
});
try {
  program.parse(process.argv);
} catch (err) {
  process.exitCode = reportError(err, verbose);
}
