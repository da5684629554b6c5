import type { Node } from "./api";
import { num } from "./format";

/** Cluster-wide capacity in use, from each node's latest telemetry (DOWN nodes left out). */
export function capacity(nodes: Node[]) {
  let cpuUsed = 0, cpuTotal = 0, memUsed = 0, memTotal = 0, gpuMemUsed = 0, gpuMemTotal = 0, gpus = 0;
  for (const n of nodes) {
    if (n.status === "DOWN") continue;
    const cores = n.capabilities?.cpuCores ?? 0;
    const t = n.telemetry;
    cpuTotal += cores;
    cpuUsed += Number(t?.cpuLoad ?? 0) * cores;
    memTotal += num(t?.memoryTotalBytes) || num(n.capabilities?.totalMemoryBytes);
    memUsed += num(t?.memoryUsedBytes);
    const used = new Map((t?.gpus ?? []).map((g) => [g.index ?? 0, g]));
    for (const g of n.capabilities?.gpus ?? []) {
      gpus++;
      const u = used.get(g.index ?? 0);
      gpuMemTotal += num(u?.memoryTotalBytes) || num(g.memoryBytes);
      gpuMemUsed += num(u?.memoryUsedBytes);
    }
  }
  return { cpuUsed, cpuTotal, memUsed, memTotal, gpuMemUsed, gpuMemTotal, gpus };
}
