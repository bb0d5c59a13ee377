import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (name: string) => fileURLToPath(new URL(`../packages/${name}/src/index.ts`, import.meta.url));

// Benchmarks that need the TypeScript test fixtures run through vitest, but never in `npm test`.
export default defineConfig({
  resolve: { alias: ["core", "formats", "synth", "agent", "processing", "decisions", "server", "cli"].map((n) => ({ find: new RegExp(`^@emflow/${n}$`), replacement: src(n) })) },
  test: { include: ["bench/**/*.bench.ts"], testTimeout: 600_000, root: fileURLToPath(new URL("..", import.meta.url)) },
});
