// Builds ../data/verifier.html (or the path given): the page, its style and its script in one file.
//
// The output is a template: `kiosk central verifier` puts the trusted keys and the
// wording into its @CONFIG@ and writes the page an operator hands out. The CSP names
// the script and the style by their hashes, so nothing else may run or load.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { build, transform } from "esbuild";

const here = new URL(".", import.meta.url);
const read = (path) => readFileSync(new URL(path, here), "utf8");
const out = process.argv[2] ? new URL(process.argv[2], `file://${process.cwd()}/`) : new URL("../data/verifier.html", here);

const bundled = await build({
  entryPoints: [new URL("src/main.js", here).pathname],
  bundle: true,
  format: "iife",
  minify: true,
  target: ["es2020"],
  charset: "utf8",
  legalComments: "eof",
  write: false,
});
const script = bundled.outputFiles[0].text.trimEnd();
const style = (await transform(read("src/page.css"), { loader: "css", minify: true })).code.trimEnd();
if (script.includes("</script") || style.includes("</style")) throw new Error("the bundle would close its own element");

const hash = (text) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
const csp = [
  "default-src 'none'",
  `script-src ${hash(script)}`,
  `style-src ${hash(style)}`,
  "img-src blob: data:",
  "media-src blob: mediastream:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const page = read("src/page.html")
  .replace("@CSP@", () => csp)
  .replace("@STYLE@", () => style)
  .replace("@SCRIPT@", () => script);
writeFileSync(out, page);
console.log(`${out.pathname}: ${page.length} characters`);
