// Screenshots of every view, for docs/dashboard.md, against a running orchestrator:
//   node scripts/screenshots.mjs --url http://127.0.0.1:8080 [--out ../docs/screenshots]
// It submits a few jobs first (one that succeeds, one that fails, one that runs a while, one that
// cannot be placed, one cancelled), takes the pictures, then cancels what it left running.
// An orchestrator with auth wants a token with role operator or admin in ORCHION_TOKEN (from the
// environment, never the command line); the script signs in with it and prints it nowhere.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { args, launch } from "../e2e/browser.mjs";

const opts = args();
const url = String(opts.url ?? process.env.ORCHION_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const out = resolve(String(opts.out ?? new URL("../../docs/screenshots", import.meta.url).pathname));
mkdirSync(out, { recursive: true });
const token = process.env.ORCHION_TOKEN || null;

async function rest(method, path, body) {
  const r = await fetch(url + path, {
    method,
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}${r.status === 401 ? " (set ORCHION_TOKEN)" : ""}`);
  return r.json();
}
const sh = (name, script, extra = {}) => ({ name, runtime: "process", process: { command: ["sh", "-c", script] }, ...extra });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const suffix = Date.now().toString(36).slice(-4);
const done = await rest("POST", "/api/jobs", sh(`count-${suffix}`, "for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done", { labels: { team: "docs" } }));
await rest("POST", "/api/jobs", sh(`fails-${suffix}`, "echo about to fail >&2; exit 3"));
const cancelled = await rest("POST", "/api/jobs", sh(`cancelled-${suffix}`, "sleep 60"));
const running = await rest("POST", "/api/jobs", sh(`train-${suffix}`, "i=0; while [ $i -lt 120 ]; do echo epoch $i loss 0.$((99 - i % 90)); i=$((i+1)); sleep 1; done", { resources: { cpu: 0.5, memory: "256Mi" }, labels: { team: "ml" } }));
const pending = await rest("POST", "/api/jobs", sh(`huge-${suffix}`, "true", { resources: { cpu: 512 } }));
await sleep(3000);
await rest("DELETE", `/api/jobs/${cancelled.id}`);
await sleep(4000);

const browser = await launch();
const shots = [];
/** Each page is its own browser context (its own sessionStorage): sign it in first. */
async function signIn(p) {
  if (!token) return;
  await p.goto(url + "/signin", { waitUntil: "domcontentloaded" });
  await p.getByLabel("Access token").fill(token);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL((u) => !u.pathname.startsWith("/signin"), { timeout: 20_000 });
}
try {
  // the sign-in page, as a visitor without a token sees it
  const guest = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  await guest.goto(url + "/signin", { waitUntil: "domcontentloaded" });
  await guest.getByLabel("Access token").waitFor({ timeout: 20_000 });
  await sleep(400);
  await guest.screenshot({ path: join(out, "signin.png") });
  console.log(`wrote ${join(out, "signin.png")}`);
  await guest.close();
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  await signIn(page);
  const shot = async (name, path, ready, before) => {
    await page.goto(url + path, { waitUntil: "domcontentloaded" });
    await ready();
    if (before) await before();
    await sleep(600);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
    shots.push(name);
    console.log(`wrote ${join(out, name + ".png")}`);
  };
  const heading = (name) => () => page.getByRole("heading", { name, exact: false }).first().waitFor({ timeout: 20_000 });
  if (token) await shot("audit", "/audit", heading("Audit"));

  await shot("overview", "/", heading("Overview"), () => page.locator('[role="meter"]').first().waitFor());
  // the sparklines fill from the telemetry window, or from live updates while the page is open
  await shot("nodes", "/nodes", () => page.locator('[data-testid="node-card"]').first().waitFor({ timeout: 20_000 }), () => sleep(16_000));
  // client-side navigation keeps the samples gathered so far
  await page.locator('[data-testid="node-card"] h2 a').first().click();
  await page.getByRole("heading", { name: "Use over the recent window" }).waitFor({ timeout: 20_000 });
  await sleep(800);
  await page.screenshot({ path: join(out, "node-detail.png") });
  console.log(`wrote ${join(out, "node-detail.png")}`);
  await shot("jobs", "/jobs", heading("Jobs"), () => page.locator('[data-testid="job-row"]').first().waitFor());
  await shot("job-detail", `/jobs/${running.id}`, heading(running.name), () => sleep(2500));
  await shot("job-pending", `/jobs/${pending.id}`, heading(pending.name), () => page.locator('[data-testid="pending-reason"]').waitFor());
  await shot("job-done", `/jobs/${done.id}`, heading(done.name));
  await shot("submit", "/submit", heading("Submit a job"), async () => {
    await page.getByLabel("Name").fill("hello");
    await page.getByLabel("Command (run with sh -c)").fill("echo hello from the dashboard");
    await page.getByLabel("Memory").fill("lots");
  });
  await shot("scheduler", "/scheduler", heading("Scheduler"), async () => {
    await page.locator('[data-testid="active-strategy"]').waitFor();
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByText(/Pending jobs under/).waitFor();
  });
  await shot("plugins", "/plugins", heading("Plugins"), () => page.getByText(/Scheduling strategies/).waitFor());

  const phone = await browser.newPage({ viewport: { width: 390, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await signIn(phone);
  await phone.goto(url + "/", { waitUntil: "domcontentloaded" });
  await phone.getByRole("heading", { name: "Overview" }).waitFor({ timeout: 20_000 });
  await sleep(800);
  await phone.screenshot({ path: join(out, "phone-overview.png") });
  console.log(`wrote ${join(out, "phone-overview.png")}`);
} finally {
  await browser.close();
  for (const j of [running, pending]) await rest("DELETE", `/api/jobs/${j.id}`).catch(() => {});
}
