// Options shared by the widget and console bundles: one browser target, no comments, sizes reproducible.
export function browserBundle({ dev = false } = {}) {
  return {
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020", "chrome87", "edge88", "firefox78", "safari15"],
    minify: !dev,
    sourcemap: dev ? "inline" : false,
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
  };
}
