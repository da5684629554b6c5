// End-to-end check of the dashboard against a real orchestrator with a real agent (the `up`
// profile), in Debian's Chromium:
//   node e2e/run.mjs --url http://127.0.0.1:8080 [--signal-dir DIR]
// With --signal-dir, the outage step asks whoever runs the orchestrator to stop it (writes
// DIR/stop, waits for DIR/stopped) and to start it again (DIR/start, waits for DIR/started);
// itest's DashboardIT does that. Exit status 0 when every step passed.
// Tokens come from the environment, never the command line (which `ps` shows) and never printed:
// ORCHION_TOKEN (admin or operator: signs in first) and ORCHION_VIEWER_TOKEN (checks that a viewer
// sees the actions disabled). Without ORCHION_TOKEN the sign-in steps are skipped (an orchestrator
// without auth).
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { args, launch } from "./browser.mjs";

const opts = args();
const url = String(opts.url ?? process.env.ORCHION_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const signals = typeof opts["signal-dir"] === "string" ? opts["signal-dir"] : null;
const T = 30_000;
const token = process.env.ORCHION_TOKEN || null;
const viewerToken = process.env.ORCHION_VIEWER_TOKEN || null;

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
// every console line and every URL the page asks for, to show that no token is in any of them
const seen = [];
const watch = (p) => {
  p.on("console", (m) => seen.push(`console: ${m.text()}`));
  p.on("request", (r) => seen.push(`request: ${r.url()}`));
  p.on("framenavigated", (f) => seen.push(`address: ${f.url()}`));
};
watch(page);
const jobName = `e2e-${Date.now().toString(36)}`;

/** Fills the sign-in form of a page that shows it, and waits for the page it returns to. */
async function signIn(p, secret, back) {
  await p.getByLabel("Access token").fill(secret);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL(back, { timeout: T });
}

try {
  if (token) {
    await check("without a token the dashboard shows the sign-in page, remembering the page", async () => {
      await page.goto(url + "/nodes", { waitUntil: "domcontentloaded" });
      await page.waitForURL(/\/signin\?next=%2Fnodes$/, { timeout: T });
      await page.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: T });
      if (await page.getByRole("link", { name: "Nodes", exact: true }).count()) throw new Error("the sign-in page shows the navigation");
    });

    await check("a wrong token is refused; the admin token signs in and returns to that page", async () => {
      await page.getByLabel("Access token").fill("oat1.e2e.not-a-token");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator('[data-testid="signin-problem"]').getByText("Token not accepted").waitFor({ timeout: T });
      await signIn(page, token, /\/nodes$/);
      await page.locator('[data-testid="identity"]').waitFor({ timeout: T });
      const kept = await page.evaluate(() => [sessionStorage.getItem("orchion.token") !== null, localStorage.getItem("orchion.token") !== null]);
      if (kept[0] !== true || kept[1] !== false) throw new Error(`token kept in session/local storage: ${kept}`);
    });
  } else {
    console.log("# skip - no ORCHION_TOKEN: the sign-in steps are left out (an orchestrator without auth)");
  }

  await check("the overview loads and the agent's node appears", async () => {
    await page.goto(url + "/", { waitUntil: "domcontentloaded" });
    await page.getByRole("heading", { name: "Overview" }).waitFor({ timeout: T });
    await page.getByRole("link", { name: "Nodes", exact: true }).click();
    await page.locator('[data-testid="node-card"]').first().waitFor({ timeout: T });
    const fresh = await page.locator('[data-testid="freshness"]').first().textContent();
    if (!["fresh", "late"].includes(String(fresh).trim())) throw new Error(`heartbeat indicator says ${fresh}`);
  });

  await check("a job submitted from the form runs to SUCCEEDED", async () => {
    await page.getByRole("link", { name: "Submit", exact: true }).click();
    await page.getByLabel("Name").fill(jobName);
    await page.getByLabel("Command (run with sh -c)").fill("for i in 1 2 3; do echo line $i; sleep 1; done");
    await page.locator('[data-testid="spec-problems"]').getByText("Valid job spec").waitFor({ timeout: T });
    await page.getByRole("button", { name: "Submit", exact: true }).click();
    await page.waitForURL(/\/jobs\/[^/]+$/, { timeout: T });
    await page.getByRole("heading", { name: jobName }).waitFor({ timeout: T });
    await page.locator('[data-testid="job-state"]').getByText("SUCCEEDED").waitFor({ timeout: 90_000 });
  });

  // never skipped: an orchestrator that does not serve the job's log fails this step
  await check("its output streams into the log view", async () => {
    const status = String(await page.locator('[data-testid="log-status"]').textContent());
    if (/does not serve/.test(status)) throw new Error(`the log view says: ${status}`);
    await page.locator('[data-testid="log"]').getByText("line 3").waitFor({ timeout: T });
    const text = await page.locator('[data-testid="log"]').textContent();
    for (const l of ["line 1", "line 2", "line 3"]) if (!text?.includes(l)) throw new Error(`log lacks "${l}": ${text}`);
  });

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
    // well-formed but unknown (a malformed id is refused as a bad request, which says so too)
    await page.goto(url + "/jobs/nosuch-0000abcd", { waitUntil: "domcontentloaded" });
    await page.getByText("No job with id nosuch-0000abcd.").waitFor({ timeout: T });
    await page.goto(url + "/nodes/no-such-node", { waitUntil: "domcontentloaded" });
    await page.getByText("No node with id no-such-node.").waitFor({ timeout: T });
  });

  if (viewerToken) {
    await check("a viewer token sees submit, drain and the strategy switch disabled, with the role needed", async () => {
      // a second browser context: its own sessionStorage, so the admin tab stays signed in
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const viewer = await context.newPage();
      watch(viewer);
      viewer.on("pageerror", (e) => consoleErrors.push(String(e)));
      try {
        await viewer.goto(url + "/scheduler", { waitUntil: "domcontentloaded" });
        await viewer.waitForURL(/\/signin\?next=%2Fscheduler$/, { timeout: T });
        await signIn(viewer, viewerToken, /\/scheduler$/);
        await viewer.locator('[data-testid="identity"]', { hasText: "viewer" }).waitFor({ timeout: T });
        const needs = /Needs role operator/;
        const disabled = async (locator, what) => {
          await locator.waitFor({ timeout: T });
          if (!(await locator.isDisabled())) throw new Error(`${what} is enabled for a viewer`);
          const title = String(await locator.getAttribute("title"));
          if (!needs.test(title)) throw new Error(`${what} has the tooltip "${title}"`);
        };
        await disabled(viewer.locator('[data-testid="use-strategy"]'), "the strategy switch");
        await viewer.locator('[data-testid="denied"]', { hasText: needs }).waitFor({ timeout: T });

        await viewer.getByRole("link", { name: "Submit", exact: true }).click();
        await viewer.getByLabel("Name").fill("viewer-may-not");
        await viewer.getByLabel("Command (run with sh -c)").fill("true");
        await viewer.locator('[data-testid="spec-problems"]').getByText("Valid job spec").waitFor({ timeout: T });
        await disabled(viewer.getByRole("button", { name: "Submit", exact: true }), "Submit");

        await viewer.getByRole("link", { name: "Nodes", exact: true }).click();
        await viewer.locator('[data-testid="node-card"] a').first().click();
        await disabled(viewer.locator('[data-testid="drain"], [data-testid="undrain"]').first(), "Drain");

        // reading still works: the job the admin ran is in the history
        await viewer.getByRole("link", { name: "Jobs", exact: true }).click();
        await viewer.locator(`[data-testid="job-row"][data-job="${jobName}"]`).waitFor({ timeout: T });

        await viewer.locator('[data-testid="sign-out"]').click();
        await viewer.waitForURL(/\/signin$/, { timeout: T });
        const left = await viewer.evaluate(() => sessionStorage.getItem("orchion.token") ?? localStorage.getItem("orchion.token"));
        if (left !== null) throw new Error("signing out left the token in storage");
      } finally {
        await context.close();
      }
    });
  } else {
    console.log("# skip - no ORCHION_VIEWER_TOKEN: the viewer step is left out");
  }

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

  if (token) {
    await check("no token in any address, request URL or console line", async () => {
      const leaks = seen.filter((line) => [token, viewerToken].some((t) => t && line.includes(t)));
      // say where, not what: the lines would print the token
      if (leaks.length) throw new Error(`a token appears in ${leaks.length} line(s): ${leaks.map((l) => l.split(":")[0]).join(", ")}`);
      if (!seen.some((l) => l.startsWith("request: "))) throw new Error("no request was watched");
    });
  }
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
