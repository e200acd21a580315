// End-to-end: the browser app against a running `trading up`, in Debian's Chromium.
// Run by tests/web/test_browser.py, which starts the platform and passes:
//   BASE_URL          the gateway (Envoy) address
//   PUBLISH           a command that publishes an event on the platform's bus (JSON argv)
//   MAIL_LINK         a command that prints the verification link mailed to an address (JSON argv)
//   SCREENSHOT_DIR    where to save screenshots of the main pages (optional)
//   REPORT            where to write the load and draw timings as JSON (optional)
// Every wait is on page state (a selector or a data-* attribute), never a fixed sleep.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");
const { default: AxeBuilder } = require("@axe-core/playwright");

const BASE_URL = process.env.BASE_URL;
const PUBLISH = JSON.parse(process.env.PUBLISH ?? "[]");
const MAIL_LINK = JSON.parse(process.env.MAIL_LINK ?? "[]");
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const WAIT = { timeout: 60_000 };
const report = {};
let browser;
let page;

async function screenshot(name) {
  if (SCREENSHOT_DIR) await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}

async function noSeriousViolations(name) {
  const result = await new AxeBuilder({ page }).analyze();
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `accessibility on ${name}`,
  );
}

function publish(...args) {
  execFileSync(PUBLISH[0], [...PUBLISH.slice(1), ...args], { stdio: "inherit" });
}

// RFC 6238 (SHA-1, 30 s, 6 digits): what an authenticator app shows for `step`.
function totp(secret, step) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}
const nowStep = () => Math.floor(Date.now() / 30_000);
let account = {};

// The steps share one signed-in page: after a failure the rest are skipped, not failed again.
let broken = false;
function step(name, fn) {
  test(name, async (t) => {
    if (broken) return t.skip("an earlier step failed");
    try {
      await fn();
    } catch (e) {
      broken = true;
      throw e;
    }
  });
}

const nav = (name) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });
const chart = () => page.locator('[data-testid="chart"]');
const chartData = (key) => chart().getAttribute(`data-${key}`);

before(async () => {
  assert.ok(BASE_URL, "BASE_URL is the gateway of a running platform");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
});

after(async () => {
  if (process.env.REPORT) writeFileSync(process.env.REPORT, JSON.stringify(report, null, 2));
  await browser?.close();
});

step("register, sign in, see candles drawn, a tick moves the last candle, trade on paper", async () => {
  const started = Date.now();
  await page.goto(`${BASE_URL}/`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor(WAIT);
  report.first_load_ms = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return Math.round(nav.loadEventEnd - nav.startTime);
  });
  await noSeriousViolations("sign in");
  await screenshot("signin");

  await page.getByRole("link", { name: "Create an account" }).click();
  const email = `trader${started}@example.com`;
  account = { email, password: "correct horse battery" };
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Trader");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/^Password/).fill("correct horse battery");
  await noSeriousViolations("register");
  await page.getByRole("button", { name: "Create account" }).click();

  // The chart: 5,000 candles set and painted (the frame after setData), a canvas with pixels on it.
  await page.waitForURL(/\/trading/, WAIT);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.dataset.drawn) > 0, null, WAIT);
  report.candles = Number(await chartData("drawn"));
  report.chart_drawn_ms = await page.evaluate(
    () => performance.getEntriesByType("measure").find((m) => m.name.startsWith("chart-drawn"))?.duration,
  );
  assert.ok(report.candles >= 1000, `candles drawn: ${report.candles}`);
  const painted = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="chart"] canvas')].some((c) => {
      const ctx = c.getContext("2d");
      if (!ctx || c.width === 0) return false;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4 * 97) if (data[i] !== 0) return true;
      return false;
    }),
  );
  assert.ok(painted, "the chart's canvas has been drawn on");

  // A live price from ticker:EURUSD (the market publishes one a second) moves the last candle:
  // wait for a tick that differs from the stored close, then the candle must close at it.
  await page.waitForFunction(
    () => {
      const d = document.querySelector('[data-testid="chart"]')?.dataset ?? {};
      return Number(d.ticks) > 0 && d.tickPrice !== d.initialClose;
    },
    null,
    WAIT,
  );
  assert.equal(await chartData("last-close"), await chartData("tick-price"), "the last candle closes at the live price");
  assert.notEqual(await chartData("last-close"), await chartData("initial-close"));
  await noSeriousViolations("trading");

  // A paper market order: the position appears, and trade_executed arrives as a notification.
  await page.getByLabel("Amount").fill("1000");
  await page.getByRole("button", { name: "Buy EURUSD" }).click();
  await page.getByRole("status").filter({ hasText: /Order filled at/ }).waitFor(WAIT);
  await page.locator('[data-testid="positions"] tr', { hasText: "EURUSD" }).waitFor(WAIT);
  await page.locator(".toast", { hasText: "Trade executed: Bought 1000 EURUSD" }).waitFor(WAIT);
  await screenshot("trading");
});

step("a signal published on signals:EURUSD is drawn on the chart", async () => {
  await page.waitForFunction(
    () => (document.documentElement.dataset.subscribed ?? "").split(" ").includes("signals:EURUSD"),
    null,
    WAIT,
  );
  const last = Number(await chartData("last-close"));
  const id = `e2e-${Date.now()}`;
  publish("signal", "EURUSD", id, String(last), String(last * 0.998), String(last * 1.004));
  await page.waitForFunction((want) => document.querySelector('[data-testid="chart"]')?.dataset.signal === want, id, WAIT);
  await page.locator(".toast", { hasText: "New signal: EURUSD LONG" }).waitFor(WAIT);
  await page.getByTestId("signal-note").waitFor(WAIT);
  await screenshot("signal");
});

step("closing the position sends position_closed: a notification, and the position is gone", async () => {
  await page.getByRole("button", { name: "Close EURUSD position" }).click();
  await page.locator(".toast", { hasText: "Position closed: EURUSD" }).waitFor(WAIT);
  await page.getByText("No open positions.").waitFor(WAIT);
});

step("the signals page shows a published signal live and loads the latest one on request", async () => {
  await nav("Signals").click();
  await page.getByRole("heading", { name: "Latest signal per symbol" }).waitFor(WAIT);
  const gbp = page.locator('[data-testid="signals"] tr[data-symbol="GBPUSD"]');
  await gbp.waitFor(WAIT);
  await page.waitForFunction(
    () => (document.documentElement.dataset.subscribed ?? "").split(" ").includes("signals:GBPUSD"),
    null,
    WAIT,
  );
  publish("signal", "GBPUSD", `e2e-gbp-${Date.now()}`, "1.25", "1.24", "1.27");
  await gbp.locator("td.dir-long", { hasText: "LONG" }).waitFor(WAIT);

  const eur = page.locator('[data-testid="signals"] tr[data-symbol="EURUSD"]');
  await eur.getByRole("button", { name: "Load latest EURUSD signal" }).click();
  await page.waitForFunction(
    () => {
      const row = document.querySelector('[data-testid="signals"] tr[data-symbol="EURUSD"]');
      return row && !/Loading|Load latest/.test(row.textContent ?? "");
    },
    null,
    WAIT,
  );
  await page.getByRole("heading", { name: "Models" }).waitFor(WAIT);
  await page.waitForFunction(() => !document.querySelector("main .spinner"), null, WAIT);
  await noSeriousViolations("signals");
  await screenshot("signals");
});

async function settled(heading) {
  await page.getByRole("heading", { name: heading, level: 1 }).waitFor(WAIT);
  await page.waitForFunction(() => !document.querySelector("main .spinner"), null, WAIT);
}

step("learn: the three demo courses, enrol, read a lesson, a quiz scored with explanations", async () => {
  await nav("Learn").click();
  await settled("Learn");
  await page.locator("main .card h2 a").nth(2).waitFor(WAIT);
  assert.equal(await page.locator("main .card h2 a").count(), 3, "the three demo courses");
  await noSeriousViolations("learn");
  await screenshot("learn");
  await page.getByRole("link", { name: /Reading candles/ }).click();
  await page.getByRole("button", { name: "Enrol" }).click();
  await page.getByLabel("Course progress").waitFor(WAIT);
  await page.getByRole("link", { name: "What one candle records" }).click();
  await page.getByRole("heading", { name: "What one candle records", level: 1 }).waitFor(WAIT);
  await page.getByRole("button", { name: "Mark as complete" }).click();
  await page.getByRole("button", { name: "Completed" }).waitFor(WAIT);
  await page.getByRole("link", { name: "Back to the course" }).click();
  await page.getByRole("link", { name: "Quiz: candles and indicators" }).click();
  const questions = page.locator("form.card fieldset");
  await questions.first().waitFor(WAIT);
  for (let i = 0; i < (await questions.count()); i++) await questions.nth(i).locator("input").first().check();
  await page.getByRole("button", { name: "Submit answers" }).click();
  await page.getByRole("status").filter({ hasText: /^Score \d+%/ }).waitFor(WAIT);
  const feedback = await questions.locator("[role=status]").allInnerTexts();
  assert.equal(feedback.length, await questions.count(), "each question has its feedback");
  assert.ok(feedback.some((t) => /lower wick/.test(t)), "the explanations are shown");
  await noSeriousViolations("quiz");
  await screenshot("quiz");
});

step("an unverified email cannot pay until the mailed link verifies it", async () => {
  const banner = page.getByRole("region", { name: "Email verification" });
  await banner.getByText("Verify your email to pay or fund your wallet.").waitFor(WAIT);
  await nav("Billing").click();
  await settled("Billing");
  await page.getByRole("button", { name: "Choose Pro, monthly" }).click();
  await page.getByRole("alert").filter({ hasText: "Verify your email first" }).waitFor(WAIT);
  await banner.getByRole("button", { name: "Send the link again" }).click();
  await banner.getByRole("status").filter({ hasText: "A new link is on its way." }).waitFor(WAIT);

  const link = execFileSync(MAIL_LINK[0], [...MAIL_LINK.slice(1), account.email], { encoding: "utf8" }).trim();
  assert.ok(link.startsWith(`${BASE_URL}/verify-email?token=`), `the link follows the public address: ${link}`);
  await page.goto(link);
  await page.getByRole("status").filter({ hasText: "Your email is verified." }).waitFor(WAIT);
  await noSeriousViolations("verify email");
  await banner.waitFor({ state: "detached", ...WAIT });
});

step("billing: plans, checkout on the Stripe twin, the new plan after the webhook, a wallet deposit", async () => {
  await nav("Billing").click();
  await settled("Billing");
  await page.getByText(/Plan: Free/).waitFor(WAIT);
  await noSeriousViolations("billing");
  await page.getByRole("button", { name: "Choose Pro, monthly" }).click();
  await page.getByRole("button", { name: "Pay" }).click(); // the twin's checkout page
  await page.waitForURL(/\/billing\/success/, WAIT);
  await page.getByRole("status").filter({ hasText: "Payment received" }).waitFor(WAIT);
  await page.getByText(/Plan: Pro · Active/).waitFor(WAIT);

  await page.getByLabel("Deposit amount").fill("250");
  await page.getByRole("button", { name: "Deposit", exact: true }).click();
  const pay = page.getByRole("button", { name: "Pay" }); // the twin's payment page
  const failed = page.locator("main .error");
  await pay.or(failed).first().waitFor(WAIT);
  assert.ok(await pay.isVisible(), `no payment page: ${await failed.allInnerTexts().catch(() => "")}`);
  await pay.click();
  await page.getByText("Paid 250.00.").waitFor(WAIT);
  await page.goto(`${BASE_URL}/billing`);
  await settled("Billing");
  await page.getByTestId("wallet-balance").filter({ hasText: /250\.00/ }).waitFor(WAIT);
  await screenshot("billing");
});

step("assistant: a streamed answer, a proposed paper trade confirmed through the assistant once", async () => {
  await nav("Assistant").click();
  await settled("Assistant");
  await page.getByLabel("Message").fill("buy 1000 EURUSD");
  await page.getByRole("button", { name: "Send" }).click();
  const confirm = page.getByRole("button", { name: "Confirm paper trade" });
  await confirm.waitFor(WAIT);
  const answer = page.locator("li.turn.assistant").first();
  assert.ok(Number(await answer.getAttribute("data-deltas")) > 1, "the answer arrived in pieces");
  await answer.locator('[data-tool="execute_paper_trade"] summary', { hasText: "(done)" }).waitFor(WAIT);
  await noSeriousViolations("assistant");
  await confirm.click();
  const executed = page.locator(".executed");
  await executed.filter({ hasText: /Paper trade executed: buy 1000 EURUSD/ }).waitFor(WAIT);
  const toast = page.locator(".toast", { hasText: "Trade executed: Bought 1000 EURUSD" });
  await toast.waitFor(WAIT);
  await screenshot("assistant");
  await toast.getByRole("button", { name: "Dismiss notification" }).click(); // it covers the Send button
  // A second "confirm" has nothing pending: the trade ran exactly once.
  await page.getByLabel("Message").fill("confirm");
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator("li.turn.assistant").nth(2).waitFor(WAIT);
  await page.waitForFunction(() => document.querySelector(".chat")?.getAttribute("aria-busy") === "false", null, WAIT);
  assert.equal(await executed.count(), 1, "one executed trade");
  // A proposal the user cancels is never placed.
  await page.getByLabel("Message").fill("sell 500 EURUSD");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.locator("li.turn.user", { hasText: /^(You: )?cancel$/ }).waitFor(WAIT);
  await page.waitForFunction(() => document.querySelector(".chat")?.getAttribute("aria-busy") === "false", null, WAIT);
  assert.equal(await executed.count(), 1, "the cancelled proposal was not traded");
});

step("invest: products, KYC submitted and approved, an Atlas account opened from the wallet, the agent's decisions", async () => {
  await nav("Invest").click();
  await settled("Invest");
  const products = page.getByTestId("investment-product");
  await products.first().waitFor(WAIT);
  assert.deepEqual(await products.locator("h3").allInnerTexts(), ["Atlas", "Orion", "Nova"]);
  await products.filter({ hasText: "Atlas" }).getByText(/No track record yet|Track record/).waitFor(WAIT);
  await page.getByTestId("invest-wallet").filter({ hasText: /250\.00/ }).waitFor(WAIT);
  await page.getByText("You have no investment account yet.").waitFor(WAIT);

  const form = page.locator("form", { has: page.getByRole("button", { name: "Open account" }) });
  await page.getByLabel("Product").selectOption({ index: 0 });
  assert.match(await page.getByLabel("Product").locator("option:checked").innerText(), /^Atlas \(from .*100\.00\)$/);
  await page.getByLabel("First deposit").fill("100");
  await page.getByRole("button", { name: "Open account" }).click();
  await form.getByRole("alert").filter({ hasText: "identity not verified: submit KYC details first" }).waitFor(WAIT);

  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Country (2 letters)").fill("gb");
  await page.getByLabel("Document number").fill("P1234567");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await page.locator('[data-testid="kyc-status"][data-kyc="pending"]').waitFor(WAIT);
  await page.getByRole("button", { name: "Open account" }).click();
  await form.getByRole("alert").filter({ hasText: "identity verification is pending review" }).waitFor(WAIT);
  await noSeriousViolations("invest");

  // An administrator approves the submission (ReviewKyc, admin audience).
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("trading.session")).accessToken);
  const userId = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).sub;
  const asUser = await fetch(`${BASE_URL}/investment/kyc/${userId}/review`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ approve: true }),
  });
  assert.equal(asUser.status, 403, "a user cannot approve their own KYC");
  const approved = await fetch(`${BASE_URL}/investment/kyc/${userId}/review`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${process.env.ADMIN_TOKEN}` },
    body: JSON.stringify({ approve: true }),
  });
  assert.equal(approved.status, 200, await approved.text());

  // More than the wallet holds: the account is not opened and the wallet keeps its money.
  await page.getByLabel("First deposit").fill("1000");
  await page.getByRole("button", { name: "Open account" }).click();
  await form.getByRole("alert").filter({ hasText: "account could not be opened" }).waitFor(WAIT);
  await page.getByTestId("invest-wallet").filter({ hasText: /250\.00/ }).waitFor(WAIT);

  await page.getByLabel("First deposit").fill("100");
  await page.getByRole("button", { name: "Open account" }).click();
  await page.getByRole("status").filter({ hasText: /Opened your Atlas account with .*100\.00 from your wallet\./ }).waitFor(WAIT);
  const atlas = page.locator('[data-testid="investment-account"][data-product="Atlas"]');
  await atlas.getByTestId("investment-balance").filter({ hasText: /^\D*100\.00$/ }).waitFor(WAIT);
  await atlas.locator("p", { hasText: /^Active · balance/ }).waitFor(WAIT);
  await page.getByTestId("invest-wallet").filter({ hasText: /150\.00/ }).waitFor(WAIT);
  await page.locator('[data-testid="kyc-status"][data-kyc="approved"]').waitFor(WAIT);

  await atlas.getByLabel("Amount (USD)").fill("50");
  await atlas.getByRole("button", { name: "Deposit", exact: true }).click();
  await atlas.getByRole("status").filter({ hasText: "Deposited 50 from your wallet." }).waitFor(WAIT);
  await atlas.getByTestId("investment-balance").filter({ hasText: /^\D*150\.00$/ }).waitFor(WAIT);
  await page.getByTestId("invest-wallet").filter({ hasText: /100\.00/ }).waitFor(WAIT);
  await atlas.getByLabel("Amount (USD)").fill("20");
  await atlas.getByRole("button", { name: "Withdraw", exact: true }).click();
  await atlas.getByRole("status").filter({ hasText: "Withdrew 20 to your wallet." }).waitFor(WAIT);
  await atlas.getByTestId("investment-balance").filter({ hasText: /^\D*130\.00$/ }).waitFor(WAIT);
  await page.getByTestId("invest-wallet").filter({ hasText: /120\.00/ }).waitFor(WAIT);

  // A signal on one of Atlas's symbols: the agent decides for the account, taken or refused and why.
  await atlas.getByText("The agent's decisions").click();
  await atlas.getByText("The agent has not decided on a signal yet.").waitFor(WAIT);
  publish("signal", "EURUSD", `e2e-inv-${Date.now()}`, "1.08", "1.078", "1.084");
  const decision = atlas.locator("td[data-decision]");
  await decision.first().waitFor(WAIT);
  assert.match(await decision.first().innerText(), /^(taken|refused)$/);
  await screenshot("invest");
});

for (const [link, heading, shot] of [
  ["Account", "Account", "account"],
]) {
  step(`the ${heading} page answers with content or the server's message`, async () => {
    await nav(link).click();
    await settled(heading);
    const alerts = await page.locator("main [role=alert]").allInnerTexts();
    for (const text of alerts) assert.doesNotMatch(text, /at \w+ \(|TypeError|undefined/, "a clean message");
    await noSeriousViolations(heading);
    await screenshot(shot);
  });
}

step("account changes ask for the password first; a password change elsewhere closes the socket", async () => {
  await nav("Account").click();
  await settled("Account");
  await page.getByRole("button", { name: "Change email" }).click();
  await page.getByLabel("Current password").fill("not my password");
  await page.getByRole("button", { name: "Confirm it's you" }).click();
  await page.getByRole("alert").filter({ hasText: /password/i }).waitFor(WAIT);
  await screenshot("confirm-identity");
  await page.getByLabel("Current password").fill(account.password);
  await page.getByRole("button", { name: "Confirm it's you" }).click();
  const newEmail = account.email.replace("@", "+new@");
  await page.getByLabel("New email").fill(newEmail);
  await page.getByRole("button", { name: "Change email" }).click();
  await page.getByRole("status").filter({ hasText: `We sent a link to ${newEmail}` }).waitFor(WAIT);

  // The password changed from another device: the edge closes this tab's socket with 4401
  // SESSION_REVOKED, the refresh token is revoked too, and the tab lands on the expired notice.
  await page.waitForFunction(() => document.documentElement.dataset.live === "live", null, WAIT);
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("trading.session")).accessToken);
  const changed = await fetch(`${BASE_URL}/auth/password`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ current_password: account.password, new_password: "a new horse battery" }),
  });
  assert.equal(changed.status, 200, await changed.text());
  account.password = "a new horse battery";
  await page.getByRole("status").filter({ hasText: "Your session expired" }).waitFor(WAIT);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/account/, WAIT);
  await noSeriousViolations("account");
});

step("two-factor: set up with the QR code, then the challenge at sign-in", async () => {
  await nav("Account").click();
  await page.getByRole("button", { name: "Protect my account with a second factor" }).click();
  await page.getByLabel("Current password").fill(account.password);
  await page.getByRole("button", { name: "Confirm it's you" }).click();
  await page.getByRole("img", { name: /QR code for otpauth:/ }).waitFor(WAIT);
  const secret = await page.locator(".hint code").innerText();
  const setupStep = nowStep();
  await page.getByLabel("Code").fill(totp(secret, setupStep));
  await screenshot("two-factor");
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByText("Two-factor authentication is on").waitFor(WAIT);

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  const code = page.getByLabel("Code from your authenticator app");
  await code.waitFor(WAIT);
  await code.fill(totp(secret, Math.max(nowStep(), setupStep + 1))); // each time step is accepted once
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(/\/trading/, WAIT);
});

step("at phone width the trading page still fits and signs out", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await nav("Trading").click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart"]')?.dataset.drawn) > 0, null, WAIT);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = await page.evaluate(() =>
    [...document.querySelectorAll("main *")]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".scroll, .chart"))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
  );
  assert.ok(overflow <= 1, `page wider than the phone by ${overflow}px: ${wide.join(", ")}`);
  await screenshot("trading-phone");
  await page.context().setOffline(true);
  await page.getByRole("alert").filter({ hasText: "You are offline" }).waitFor(WAIT);
  await page.context().setOffline(false);
  await page.getByRole("alert").filter({ hasText: "You are offline" }).waitFor({ state: "detached", ...WAIT });
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor(WAIT);
});

step("forgotten password: ask for a link, and a spent or wrong link is refused cleanly", async () => {
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.getByLabel("Email").fill(account.email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await page.getByRole("status").filter({ hasText: "a link to set a new password is on its way" }).waitFor(WAIT);
  await noSeriousViolations("forgot password");
  await page.goto(`${BASE_URL}/reset-password?token=not-a-real-token`);
  await page.getByLabel(/^New password/).fill("another horse battery");
  await page.getByRole("button", { name: "Set the password" }).click();
  const refused = await page.locator("main [role=alert]").innerText(WAIT);
  assert.doesNotMatch(refused, /at \w+ \(|TypeError|undefined/, "a clean message");
  await page.goto(`${BASE_URL}/signin`);
});

step("a session whose tokens the server refuses ends with the expired-session notice", async () => {
  const stale = {
    accessToken: "expired.access.token",
    refreshToken: "revoked-refresh-token",
    accessExpiresAt: Date.now() - 1000,
    user: { id: "nobody", email: account.email, firstName: "Ada", twoFactor: false },
  };
  await page.evaluate((s) => localStorage.setItem("trading.session", JSON.stringify(s)), stale);
  await page.goto(`${BASE_URL}/trading/EURUSD`);
  await page.getByRole("status").filter({ hasText: "Your session expired" }).waitFor(WAIT);
  assert.match(page.url(), /\/signin\?expired=1/);
});
