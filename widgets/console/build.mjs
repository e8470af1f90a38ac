// Bundle the agent console into livechat/static/console/ (served at /console/, index.html at /console).
//
// Called by ../build.mjs; the widget's size budget does not apply here (agents load it once).
import { build } from "esbuild";
import { browserBundle } from "../esbuild-options.mjs";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
export const CONSOLE_OUTDIR = join(here, "..", "..", "livechat", "static", "console");

/** Build console.js and copy index.html and console.css; returns the gzipped size of what the page loads. */
export async function buildConsole({ dev = false } = {}) {
  mkdirSync(CONSOLE_OUTDIR, { recursive: true });
  await build({
    entryPoints: { console: join(here, "src", "main.ts") },
    outdir: CONSOLE_OUTDIR,
    ...browserBundle({ dev }),
  });
  copyFileSync(join(here, "index.html"), join(CONSOLE_OUTDIR, "index.html"));
  copyFileSync(join(here, "console.css"), join(CONSOLE_OUTDIR, "console.css"));

  let total = 0;
  for (const name of ["index.html", "console.js", "console.css"]) {
    const file = join(CONSOLE_OUTDIR, name);
    const raw = readFileSync(file);
    const gz = gzipSync(raw, { level: 9 }).length;
    total += gz;
    console.log(`${relative(process.cwd(), file)}  ${(raw.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped`);
  }
  console.log(`agent console: ${(total / 1024).toFixed(1)} KB gzipped in all (no budget)`);
  return total;
}
