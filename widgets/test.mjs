// Bundle tests/*.test.ts and console/tests/*.test.ts for Node with esbuild and run them with node's test runner.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TEST_DIRS = [join(here, "tests"), join(here, "console", "tests")];
const entries = TEST_DIRS.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => join(dir, f)));
const outdir = mkdtempSync(join(tmpdir(), "shopchat-widget-tests-"));
try {
  // outbase keeps tests/x and console/tests/x apart in outdir.
  await build({ entryPoints: entries, outdir, outbase: here, bundle: true, platform: "node", format: "esm", outExtension: { ".js": ".mjs" }, logLevel: "warning" });
  const files = readdirSync(outdir, { recursive: true }).filter((f) => f.endsWith(".mjs")).map((f) => join(outdir, f));
  const run = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
