import { afterEach, describe, expect, it } from "vitest";
import { readRecording, replayRecording } from "@emflow/agent";
import { EPU_TESTDATA } from "../../packages/core/src/testing/testdata.js";
import { apiCounts, liveServer, oneShotCounts, sameCounts, tempDir, testAgent, waitFor } from "./harness.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe("a real EPU recording replayed under a live agent", () => {
  it("ends with the same session as a one-shot parse of epu-dir-example: 228 squares, 4 holes, 4 micrographs", async () => {
    const target = tempDir("replay", cleanup);
    const srv = await liveServer();
    cleanup.push(() => srv.close());
    const agent = await testAgent(target, srv.url, tempDir("outbox", cleanup));
    cleanup.push(() => agent.stop());
    await agent.ready;
    const rec = await readRecording(`${EPU_TESTDATA}recordings/epu-dir-example.recording.tar.gz`);
    // EpuSession.dm arrives in two pieces (the first is not well-formed), a micrograph XML as .tmp then renamed.
    const result = await replayRecording(rec, target, { speed: 20, maxDelay: 0.2 });
    expect(result.mismatches).toEqual([]);
    const expected = await oneShotCounts(target);
    expect(expected).toEqual({ grids: 1, gridSquares: 228, foilHoles: 4, micrographs: 4, atlasTiles: 0 });
    await waitFor(() => apiCounts(srv.url), (c) => sameCounts(c, expected), 30_000, "counts to match");
    expect(agent.stats().errors).toBe(0);
  });
});
