// Reads vitest's JSON report and prints the one summary line CI parses.
// Fails when the report is missing or when no test ran at all.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "test-artifacts/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.log("vitest: 0 passed, 0 failed, 0 skipped");
  console.error(`no test report at ${file}: ${err.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const brokenFiles = report.numFailedTestSuites ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed + failed === 0) {
  console.error("zero tests ran");
  process.exit(1);
}
if (brokenFiles > 0) console.error(`${brokenFiles} test file(s) failed`);
process.exit(failed > 0 || brokenFiles > 0 || report.success === false ? 1 : 0);
