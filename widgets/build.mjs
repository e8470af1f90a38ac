// Bundle the widget into livechat/static/widget/ (served at /widget/) and enforce its size budget,
// then the agent console into livechat/static/console/ (console/build.mjs, no budget).
//
// Usage: node build.mjs [--dev]   (--dev: not minified, with an inline source map)
import { build } from "esbuild";
import { browserBundle } from "./esbuild-options.mjs";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildConsole } from "./console/build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "livechat", "static", "widget");
// Everything a shop page downloads before the visitor opens the chat. widget-panel.js (the panel:
// message list, cards, forms, most strings) is a separate bundle widget.js loads on demand.
const INITIAL_FILES = ["widget.js"];
const LAZY_FILES = ["widget-panel.js"];
const BUDGET_GZIP_BYTES = 30 * 1024;
const dev = process.argv.includes("--dev");

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { widget: join(here, "src", "index.ts"), "widget-panel": join(here, "src", "panel.ts") },
  outdir,
  ...browserBundle({ dev }),
});

let total = 0;
for (const name of [...INITIAL_FILES, ...LAZY_FILES]) {
  const file = join(outdir, name);
  const raw = readFileSync(file);
  const gz = gzipSync(raw, { level: 9 }).length;
  if (INITIAL_FILES.includes(name)) total += gz;
  const when = INITIAL_FILES.includes(name) ? "" : "  (loaded when the chat is opened)";
  console.log(`${relative(process.cwd(), file)}  ${(raw.length / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzipped${when}`);
}
const verdict = total <= BUDGET_GZIP_BYTES ? "within" : "OVER";
console.log(`loaded before the chat is opened: ${(total / 1024).toFixed(1)} KB gzipped (${verdict} the ${BUDGET_GZIP_BYTES / 1024} KB budget)`);

await buildConsole({ dev });
if (total > BUDGET_GZIP_BYTES) process.exit(1);
