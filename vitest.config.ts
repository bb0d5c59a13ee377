import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));
const packages = ["core", "formats", "synth", "agent", "processing", "decisions", "server", "cli"];

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of sibling packages, never a stale dist/ build.
    alias: packages.map((name) => ({ find: new RegExp(`^@emflow/${name}$`), replacement: src(name) })),
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-artifacts/vitest.json" },
  },
});
