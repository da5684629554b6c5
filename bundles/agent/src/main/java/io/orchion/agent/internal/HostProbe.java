package io.orchion.agent.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.orchion.api.node.Capabilities;
import io.orchion.api.node.Gpu;
import io.orchion.api.node.Telemetry;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.GraphicsCard;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.software.os.OperatingSystem;

/** Capabilities and telemetry of this machine through OSHI, plus nvidia-smi for NVIDIA GPUs. */
final class HostProbe {
    private final HardwareAbstractionLayer hardware;
    private final OperatingSystem os;
    private final String nvidiaSmi;
    private long[] previousTicks;

    HostProbe(String nvidiaSmi) {
        SystemInfo si = new SystemInfo();
        this.hardware = si.getHardware();
        this.os = si.getOperatingSystem();
        this.nvidiaSmi = nvidiaSmi;
        this.previousTicks = hardware.getProcessor().getSystemCpuLoadTicks();
    }

    /** Probes everything; the GPUs (nvidia-smi and lspci are processes) in parallel with the rest. */
    Capabilities capabilities(Map<String, String> labels, List<String> runtimes) {
        CompletableFuture<List<Gpu>> gpus = CompletableFuture.supplyAsync(this::gpus,
                r -> new Thread(r, "orchion-agent-gpu-probe").start());
        CentralProcessor cpu = hardware.getProcessor();
        String osName = (os.getFamily() + " " + os.getVersionInfo().getVersion()).trim();
        String cpuName = cpu.getProcessorIdentifier().getName().trim();
        int cores = cpu.getLogicalProcessorCount();
        long memory = hardware.getMemory().getTotal();
        return new Capabilities(cpuName, cores, GpuProbe.arch(System.getProperty("os.arch")), memory, osName,
                gpus.join(), labels, runtimes);
    }

    /** nvidia-smi's view of NVIDIA GPUs where it answers; OSHI's graphics cards for the rest. */
    List<Gpu> gpus() {
        List<Gpu> nvidia = GpuProbe.nvidiaSmi(nvidiaSmi);
        List<Gpu> all = new ArrayList<>(nvidia);
        int index = nvidia.size();
        for (GraphicsCard card : safeCards()) {
            String vendor = card.getVendor() == null ? "" : card.getVendor();
            if (!nvidia.isEmpty() && vendor.toLowerCase(Locale.ROOT).contains("nvidia")) {
                continue; // already described, more exactly, by nvidia-smi
            }
            all.add(new Gpu(index++, vendor, card.getName(), card.getVRam(), ""));
        }
        return all;
    }

    private List<GraphicsCard> safeCards() {
        try {
            return hardware.getGraphicsCards();
        } catch (RuntimeException | LinkageError e) {
            return List.of(); // no lspci, no permissions: report no extra cards rather than fail the probe
        }
    }

    /**
     * A sample of the machine's use, with each NVIDIA GPU's use (when this node has NVIDIA GPUs) and
     * each run's use.
     */
    synchronized Telemetry sample(boolean nvidia, List<Telemetry.RunUse> runs) {
        CentralProcessor cpu = hardware.getProcessor();
        double load = cpu.getSystemCpuLoadBetweenTicks(previousTicks);
        previousTicks = cpu.getSystemCpuLoadTicks();
        GlobalMemory mem = hardware.getMemory();
        return new Telemetry(Double.isFinite(load) ? load : 0.0, mem.getTotal() - mem.getAvailable(), mem.getTotal(),
                Instant.now(), nvidia ? GpuProbe.nvidiaSmiUse(nvidiaSmi) : List.of(), runs);
    }

    String hostname() {
        String h = os.getNetworkParams().getHostName();
        return h == null || h.isBlank() ? "localhost" : h;
    }
}
