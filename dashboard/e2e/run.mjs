// End-to-end check of the dashboard against a real orchestrator with a real agent (the `up`
// profile), in Debian's Chromium:
//   node e2e/run.mjs --url http://127.0.0.1:8080 [--signal-dir DIR]
// With --signal-dir, the outage step asks whoever runs the orchestrator to stop it (writes
// DIR/stop, waits for DIR/stopped) and to start it again (DIR/start, waits for DIR/started);
// itest's DashboardIT does that. Exit status 0 when every step passed.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { args, launch } from "./browser.mjs";

const opts = args();
const url = String(opts.url ?? process.env.ORCHION_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const signals = typeof opts["signal-dir"] === "string" ? opts["signal-dir"] : null;
const T = 30_000;

let failures = 0;
let step = 0;
async function check(name, fn) {
  step++;
  const started = Date.now();
  try {
    await fn();
    console.log(`ok ${step} - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures++;
    console.log(`not ok ${step} - ${name}\n  ${String(e?.message ?? e).split("\n").join("\n  ")}`);
    throw e;
  }
}

async function waitForFile(path, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (existsSync(path)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${path}`);
}

const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
const jobName = `e2e-${Date.now().toString(36)}`;

try {
  await check("the overview loads and the agent's node appears", async () => {
    await page.goto(url + "/", { waitUntil: "domcontentloaded" });
    await page.getByRole("heading", { name: "Overview" }).waitFor({ timeout: T });
    await page.getByRole("link", { name: "Nodes", exact: true }).click();
    await page.locator('[data-testid="node-card"]').first().waitFor({ timeout: T });
    const fresh = await page.locator('[data-testid="freshness"]').first().textContent();
    if (!["fresh", "late"].includes(String(fresh).trim())) throw new Error(`heartbeat indicator says ${fresh}`);
  });

  let logsAvailable = false;
  await check("a job submitted from the form runs to SUCCEEDED", async () => {
    await page.getByRole("link", { name: "Submit", exact: true }).click();
    await page.getByLabel("Name").fill(jobName);
    await page.getByLabel("Command (run with sh -c)").fill("for i in 1 2 3; do echo line $i; sleep 1; done");
    await page.locator('[data-testid="spec-problems"]').getByText("Valid job spec").waitFor({ timeout: T });
    await page.getByRole("button", { name: "Submit", exact: true }).click();
    await page.waitForURL(/\/jobs\/[^/]+$/, { timeout: T });
    await page.getByRole("heading", { name: jobName }).waitFor({ timeout: T });
    await page.locator('[data-testid="job-state"]').getByText("SUCCEEDED").waitFor({ timeout: 90_000 });
    const status = await page.locator('[data-testid="log-status"]').textContent();
    logsAvailable = !/does not serve/.test(String(status));
  });

  if (logsAvailable) {
    await check("its output streams into the log view", async () => {
      await page.locator('[data-testid="log"]').getByText("line 3").waitFor({ timeout: T });
      const text = await page.locator('[data-testid="log"]').textContent();
      for (const l of ["line 1", "line 2", "line 3"]) if (!text?.includes(l)) throw new Error(`log lacks "${l}": ${text}`);
    });
  } else {
    console.log("# skip - this orchestrator has no /api/jobs/{id}/logs yet; the log step is left out");
  }

  await check("the job is listed in the history", async () => {
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.locator(`[data-testid="job-row"][data-job="${jobName}"]`).waitFor({ timeout: T });
  });

  await check("switching the strategy shows the new one as active", async () => {
    await page.getByRole("link", { name: "Scheduler", exact: true }).click();
    const active = page.locator('[data-testid="active-strategy"]');
    await active.waitFor({ timeout: T });
    const before = String(await active.textContent()).trim();
    const options = await page.locator('[data-testid="strategy-choice"] option').evaluateAll((os) => os.map((o) => o.value));
    const target = options.find((o) => o !== before);
    if (!target) throw new Error(`only one strategy available: ${options}`);
    await page.locator('[data-testid="strategy-choice"]').selectOption(target);
    await page.locator('[data-testid="use-strategy"]').click();
    await page.locator('[data-testid="active-strategy"]', { hasText: target }).waitFor({ timeout: T });
    // switch back so that a rerun starts from the configured strategy
    await page.locator('[data-testid="strategy-choice"]').selectOption(before);
    await page.locator('[data-testid="use-strategy"]').click();
    await page.locator('[data-testid="active-strategy"]', { hasText: before }).waitFor({ timeout: T });
  });

  await check("at phone width the menu opens and leads on; the keyboard reaches the nav", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    const menu = page.getByRole("button", { name: "Menu" });
    await menu.waitFor({ state: "visible", timeout: T });
    await menu.click();
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("heading", { name: "Jobs" }).first().waitFor({ timeout: T });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) throw new Error(`the page is ${overflow}px wider than the phone`);
    await page.setViewportSize({ width: 1280, height: 900 });
    // keyboard only: the skip link comes first, then the brand, then the nav links
    await page.goto(url + "/", { waitUntil: "domcontentloaded" });
    await page.getByRole("heading", { name: "Overview" }).waitFor({ timeout: T });
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Tab");
      const text = await page.evaluate(() => document.activeElement?.textContent?.trim());
      if (text === "Scheduler") break;
    }
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Scheduler" }).waitFor({ timeout: T });
  });

  await check("an unknown job or node is said so, not a blank page", async () => {
    await page.goto(url + "/jobs/no-such-job", { waitUntil: "domcontentloaded" });
    await page.getByText("No job with id no-such-job.").waitFor({ timeout: T });
    await page.goto(url + "/nodes/no-such-node", { waitUntil: "domcontentloaded" });
    await page.getByText("No node with id no-such-node.").waitFor({ timeout: T });
  });

  if (signals) {
    await check("a stopped orchestrator shows the banner, and the page recovers without a reload", async () => {
      await page.getByRole("link", { name: "Nodes", exact: true }).click();
      await page.locator('[data-testid="node-card"]').first().waitFor({ timeout: T });
      await page.evaluate(() => ((window).__e2eMarker = "same page"));
      writeFileSync(join(signals, "stop"), "");
      await waitForFile(join(signals, "stopped"), 60_000);
      await page.locator('[data-testid="offline-banner"]').waitFor({ state: "visible", timeout: T });
      writeFileSync(join(signals, "start"), "");
      await waitForFile(join(signals, "started"), 120_000);
      await page.locator('[data-testid="offline-banner"]').waitFor({ state: "detached", timeout: 60_000 });
      await page.locator('[data-testid="node-card"]').first().waitFor({ timeout: T });
      const marker = await page.evaluate(() => (window).__e2eMarker);
      if (marker !== "same page") throw new Error("the page was reloaded");
      const link = String(await page.locator('[data-testid="link-state"]').textContent()).trim();
      if (!["live", "polling"].includes(link)) throw new Error(`link state is ${link}`);
    });
  } else {
    console.log("# skip - no --signal-dir: the outage step needs someone to stop and start the orchestrator");
  }

  await check("no uncaught error in the page", async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join("\n"));
  });
} catch {
  // reported by check(); fall through to the summary
  try {
    console.log("# page at failure: " + page.url());
    console.log("# " + String(await page.locator("main").innerText({ timeout: 2000 })).slice(0, 1500).split("\n").join("\n# "));
  } catch {
    // the page is gone
  }
} finally {
  await browser.close();
}
console.log(failures ? `# FAILED: ${failures} step(s)` : `# all ${step} steps passed`);
process.exit(failures ? 1 : 0);
