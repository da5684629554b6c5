// The page's shared view of the cluster: nodes, jobs, the scheduler and health, loaded from the
// REST API and kept current by the live link (events, or polling where there are none).
import { api, ApiError, JobChange, NodeChange, SchedulerChange, validate, type Health, type Job, type Node, type SchedulerStatus, type Telemetry } from "./api";
import { Live, type LinkState } from "./live";
import { num } from "./format";

class Cluster {
  nodes = $state<Node[]>([]);
  jobs = $state<Job[]>([]);
  scheduler = $state<SchedulerStatus | null>(null);
  health = $state<Health | null>(null);
  link = $state<LinkState>("connecting");
  /** The last load error other than "unreachable" (shown by the views that need the data). */
  error = $state<string | null>(null);
  loaded = $state(false);
  /** Recent telemetry per node id, oldest first: the telemetry window where the orchestrator has
   *  one, topped up with each sample that arrives with a node update. */
  history = $state<Record<string, Telemetry[]>>({});
  /** Ticks every second so that "seen 3s ago" and freshness indicators move. */
  now = $state(Date.now());
  private live: Live | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private ticks = 0;

  start() {
    if (this.live) return;
    this.ticker = setInterval(() => {
      this.now = Date.now();
      // heartbeats are not events: while live, fetch the nodes now and then for their last
      // heartbeat and telemetry (polling reloads everything anyway)
      if (this.link === "live" && ++this.ticks % NODE_REFRESH_S === 0) void this.refreshNodes();
    }, 1000);
    this.live = new Live({
      probe: async () => {
        try {
          this.health = await api.health();
          return "up";
        } catch (e) {
          return e instanceof ApiError && !e.unreachable ? "up" : "down";
        }
      },
      onEvent: (type, data) => this.apply(type, data),
      onReload: () => this.reload(),
      onState: (s) => (this.link = s),
    });
    this.live.start();
  }

  stop() {
    this.live?.stop();
    this.live = null;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  /** Forgets what was loaded (signing out: the next token may see less). */
  clear() {
    this.nodes = [];
    this.jobs = [];
    this.scheduler = null;
    this.health = null;
    this.history = {};
    this.error = null;
    this.loaded = false;
    this.link = "connecting";
  }

  /** Loads everything again; each part fails on its own so one bad endpoint blanks nothing. */
  async reload() {
    const [health, nodes, jobs, scheduler] = await Promise.allSettled([api.health(), api.nodes(), allJobs(), api.scheduler()]);
    if (health.status === "fulfilled") this.health = health.value;
    if (nodes.status === "fulfilled") {
      this.nodes = sortNodes(nodes.value);
      for (const n of nodes.value) this.remember(n);
    }
    if (jobs.status === "fulfilled") this.jobs = sortJobs(jobs.value);
    if (scheduler.status === "fulfilled") this.scheduler = scheduler.value;
    const failure = [health, nodes, jobs, scheduler].find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
    const err = failure?.reason;
    this.error = err && !(err instanceof ApiError && err.unreachable) ? String(err.message ?? err) : null;
    this.loaded = true;
  }

  async refreshNodes() {
    try {
      const nodes = await api.nodes();
      this.nodes = sortNodes(nodes);
      for (const n of nodes) this.remember(n);
    } catch {
      // the live link notices an outage by itself
    }
  }

  apply(type: string, data: unknown) {
    try {
      if (type === "node") {
        const { change, node } = validate(NodeChange, data, "event node");
        if (!node) return;
        if (change === "FORGOTTEN" || change === "UNREGISTERED") this.nodes = this.nodes.filter((n) => n.id !== node.id);
        else this.upsertNode(node);
      } else if (type === "job") {
        const { job } = validate(JobChange, data, "event job");
        if (job) this.upsertJob(job);
      } else if (type === "scheduler") {
        this.scheduler = validate(SchedulerChange, data, "event scheduler");
      }
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Adds the node's latest sample to its history (kept to HISTORY samples). */
  remember(node: Node) {
    const t = node.telemetry;
    if (!node.id || !t?.sampledAtUnixMs) return;
    const list = this.history[node.id] ?? [];
    const last = list[list.length - 1];
    if (last && num(last.sampledAtUnixMs) >= num(t.sampledAtUnixMs)) return;
    this.history[node.id] = [...list, t].slice(-HISTORY);
  }

  /** Replaces a node's history with the orchestrator's window (merging samples seen since). */
  seed(nodeId: string, samples: Telemetry[]) {
    const newest = num(samples[samples.length - 1]?.sampledAtUnixMs);
    const later = (this.history[nodeId] ?? []).filter((t) => num(t.sampledAtUnixMs) > newest);
    this.history[nodeId] = [...samples, ...later].slice(-HISTORY);
  }

  upsertNode(node: Node) {
    this.remember(node);
    const i = this.nodes.findIndex((n) => n.id === node.id);
    if (i >= 0) this.nodes[i] = node;
    else this.nodes = sortNodes([...this.nodes, node]);
  }

  upsertJob(job: Job) {
    const i = this.jobs.findIndex((j) => j.id === job.id);
    if (i >= 0) this.jobs[i] = job;
    else this.jobs = sortJobs([job, ...this.jobs]);
  }

  nodeName(id: string | undefined): string {
    if (!id) return "";
    const n = this.nodes.find((x) => x.id === id);
    return n?.name || n?.hostname || id;
  }
}

const HISTORY = 360;
const NODE_REFRESH_S = 5;
const MAX_JOB_PAGES = 20;

/** Every job, following nextPageToken where the orchestrator pages the list (up to 20 pages). */
export async function allJobs(): Promise<Job[]> {
  const jobs: Job[] = [];
  let token: string | undefined;
  for (let i = 0; i < MAX_JOB_PAGES; i++) {
    const page = await api.jobs({ pageToken: token });
    jobs.push(...(page.jobs ?? []));
    token = page.nextPageToken || undefined;
    if (!token) break;
  }
  return jobs;
}
const sortNodes = (nodes: Node[]) => [...nodes].sort((a, b) => (a.name ?? "").localeCompare(b.name ?? ""));
const sortJobs = (jobs: Job[]) => [...jobs].sort((a, b) => num(b.submittedUnixMs) - num(a.submittedUnixMs));

export const cluster = new Cluster();
