/**
 * What every execution runtime repeats, written once: the run handle's bookkeeping
 * ({@link io.orchion.runtime.support.AbstractRun}: started and exit futures, the first stop
 * reason, finishing), process groups ({@link io.orchion.runtime.support.ProcessGroup}: start a
 * program as a group leader, signal and stop the whole group, find it again after an agent
 * restart), CPU and memory of a process tree ({@link io.orchion.runtime.support.ProcessTreeUsage},
 * {@link io.orchion.runtime.support.CpuMeter}), output split into log lines
 * ({@link io.orchion.runtime.support.LineSplitter}), the last lines kept to explain a failure
 * ({@link io.orchion.runtime.support.RecentLines}), and typed reads of a job's settings or a
 * runtime's configuration ({@link io.orchion.runtime.support.Settings},
 * {@link io.orchion.runtime.support.ConfigKeys}, {@link io.orchion.runtime.support.Configured}).
 * For runtimes that serve models (vLLM, llama.cpp): the server as a process of this node
 * ({@link io.orchion.runtime.support.ServerProcess}), its run, RUNNING once {@code /health} answers
 * and watched while it serves ({@link io.orchion.runtime.support.ServerRun},
 * {@link io.orchion.runtime.support.HealthProbe}), its address
 * ({@link io.orchion.runtime.support.ServerAddress}) and the state a restarted agent finds it by
 * ({@link io.orchion.runtime.support.ServerState}). A library: no components, no JSON, nothing but
 * the JDK and the Orchion API.
 */
@Export
@Version("1.1.0")
package io.orchion.runtime.support;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
