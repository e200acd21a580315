// The assistant's Markdown renderer (web/src/lib/markdown.tsx), bundled with the app's own esbuild
// and rendered with react-dom/server: formatting becomes elements, HTML in the text stays text.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const esbuild = require("esbuild");
const React = require("react");
const { renderToStaticMarkup } = require("react-dom/server");

const built = await esbuild.build({
  entryPoints: [new URL("../../web/src/lib/markdown.tsx", import.meta.url).pathname],
  bundle: true,
  write: false,
  format: "cjs",
  platform: "node",
  jsx: "automatic",
  external: ["react", "react/jsx-runtime"],
});
const mod = { exports: {} };
new Function("require", "module", "exports", built.outputFiles[0].text)(require, mod, mod.exports);
const { Markdown } = mod.exports;
const html = (text) => renderToStaticMarkup(React.createElement(Markdown, { text }));

test("bold, italic, code and lists become elements, with no raw markers left", () => {
  const out = html("EURUSD is **long** with *high* confidence:\n\n- entry `1.0850`\n- stop 1.0820\n\n1. first\n2. second");
  assert.match(out, /<strong>long<\/strong>/);
  assert.match(out, /<em>high<\/em>/);
  assert.match(out, /<ul><li>entry <code>1.0850<\/code><\/li><li>stop 1.0820<\/li><\/ul>/);
  assert.match(out, /<ol><li>first<\/li><li>second<\/li><\/ol>/);
  assert.doesNotMatch(out, /\*\*|`/);
});

test("HTML in the text is escaped, never parsed", () => {
  const out = html('<img src=x onerror="alert(1)"> **<script>alert(2)</script>**');
  assert.doesNotMatch(out, /<img|<script/);
  assert.match(out, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
  assert.match(out, /<strong>&lt;script&gt;alert\(2\)&lt;\/script&gt;<\/strong>/);
});

test("links keep http(s) targets only", () => {
  assert.match(html("[docs](https://example.com/a)"), /<a href="https:\/\/example.com\/a" target="_blank" rel="noopener noreferrer nofollow">docs<\/a>/);
  const js = html("[click](javascript:alert(1))");
  assert.doesNotMatch(js, /<a|href/);
  assert.match(js, /click/);
});

test("snake_case names and lone asterisks stay as written", () => {
  assert.equal(html("call execute_paper_trade_now with 2 * 3"), "<p>call execute_paper_trade_now with 2 * 3</p>");
});

test("a code fence keeps its text verbatim", () => {
  assert.equal(html("```\n**not bold** <b>\n```"), "<pre><code>**not bold** &lt;b&gt;</code></pre>");
});
