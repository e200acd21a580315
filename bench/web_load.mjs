// Load timings of the browser app in Debian's Chromium, driven by bench/bench_web.py.
// env: BASE_URL, SESSION (the localStorage session JSON), RUNS, CHROMIUM. Prints one JSON line.
import { createRequire } from "node:module";

const require = createRequire(new URL("../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const BASE_URL = process.env.BASE_URL;
const RUNS = Number(process.env.RUNS ?? 5);
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: FLAGS });
const runs = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } }); // a cold cache each run
    const page = await context.newPage();
    await page.goto(`${BASE_URL}/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const first = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const bytes = performance.getEntriesByType("resource").reduce((n, r) => n + r.transferSize, nav.transferSize);
      return { load_ms: nav.loadEventEnd, signin_visible_ms: performance.now(), transfer_bytes: bytes };
    });
    await page.evaluate((s) => localStorage.setItem("trading.session", s), process.env.SESSION);
    await page.goto(`${BASE_URL}/trading/EURUSD`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.dataset.drawn) > 0, null, { timeout: 60_000 });
    const chart = await page.evaluate(async () => {
      const drawn = performance.getEntriesByName("chart-drawn")[0];
      const grpc = performance.getEntriesByType("resource").find((r) => r.name.includes("GetCandles"));
      const token = JSON.parse(localStorage.getItem("trading.session")).accessToken;
      // Baseline, side by side: the same candles as REST + JSON through the same gateway.
      const t0 = performance.now();
      const r = await fetch("/trading/candles/EURUSD?tf=5m&limit=5000", { headers: { authorization: `Bearer ${token}` } });
      const body = await r.text();
      const json = JSON.parse(body);
      const restMs = performance.now() - t0;
      return {
        candles: Number(document.querySelector('[data-testid="chart"]').dataset.drawn),
        drawn_ms: drawn.startTime,
        grpc_web_ms: grpc.duration,
        grpc_web_bytes: grpc.encodedBodySize,
        rest_json_ms: restMs,
        rest_json_bytes: body.length,
        rest_candles: json.candles.length,
      };
    });
    runs.push({ ...first, ...chart });
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(runs));
