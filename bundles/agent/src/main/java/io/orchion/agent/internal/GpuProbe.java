package io.orchion.agent.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.orchion.api.node.Gpu;
import io.orchion.api.node.Telemetry;

/**
 * GPUs as {@code nvidia-smi --query-gpu} reports them (exact memory, UUIDs), where it is present.
 * The OSHI graphics cards fill in for other vendors (see {@link HostProbe}).
 */
final class GpuProbe {
    static final String QUERY = "--query-gpu=index,name,memory.total,uuid";

    private GpuProbe() {
    }

    /** Runs nvidia-smi; an empty list when it is missing, fails or says nothing. */
    static List<Gpu> nvidiaSmi(String executable) {
        if (executable == null || executable.isBlank()) {
            return List.of();
        }
        try {
            Process p = new ProcessBuilder(executable, QUERY, "--format=csv,noheader,nounits")
                    .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            return p.exitValue() == 0 ? parse(out) : List.of();
        } catch (IOException e) {
            return List.of(); // not installed: no NVIDIA GPUs to report
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Parses lines of {@code index, name, memory.total (MiB), uuid}; skips lines it cannot read. */
    static List<Gpu> parse(String csv) {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            String[] f = line.split(",");
            if (f.length < 3) {
                continue;
            }
            try {
                int index = Integer.parseInt(f[0].trim());
                String name = f[1].trim();
                long mib = Long.parseLong(f[2].trim().replaceAll("(?i)\\s*mib$", ""));
                String uuid = f.length > 3 ? f[3].trim() : "";
                gpus.add(new Gpu(index, "NVIDIA", name, mib << 20, uuid));
            } catch (NumberFormatException e) {
                // "[N/A]" or a header line: not a GPU we can describe
            }
        }
        return gpus;
    }

    static final String USE_QUERY = "--query-gpu=index,utilization.gpu,memory.used,memory.total,temperature.gpu";

    /** Each NVIDIA GPU's use now; empty when nvidia-smi is missing or fails. */
    static List<Telemetry.GpuUse> nvidiaSmiUse(String executable) {
        if (executable == null || executable.isBlank()) {
            return List.of();
        }
        try {
            Process p = new ProcessBuilder(executable, USE_QUERY, "--format=csv,noheader,nounits")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            return p.exitValue() == 0 ? parseUse(out) : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Parses {@code index, utilization %, memory.used MiB, memory.total MiB, temperature C}; "[N/A]" reads as 0. */
    static List<Telemetry.GpuUse> parseUse(String csv) {
        List<Telemetry.GpuUse> out = new ArrayList<>();
        for (String line : csv.split("\\R")) {
            String[] f = line.split(",");
            if (f.length < 4) {
                continue;
            }
            try {
                int index = Integer.parseInt(f[0].trim());
                out.add(new Telemetry.GpuUse(index, number(f[1]) / 100.0, (long) number(f[2]) << 20,
                        (long) number(f[3]) << 20, f.length > 4 ? number(f[4]) : 0));
            } catch (NumberFormatException e) {
                // a header or a line we cannot read
            }
        }
        return out;
    }

    private static double number(String s) {
        String t = s.trim().replaceAll("(?i)\\s*(%|mib|c)$", "");
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return 0; // [N/A], [Not Supported]
        }
    }

    /** Normalises the JVM's os.arch to the names schedulers and images use. */
    static String arch(String osArch) {
        String a = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64", "x64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            case "arm", "armv7l", "armhf", "armv6l" -> "arm";
            default -> a;
        };
    }
}
