package io.orchion.shell.internal;

import java.util.List;

import io.orchion.api.node.Node;

/** What the commands return; {@link ShellFormats} knows how to show each. */
final class Views {
    private Views() {
    }

    record NodeList(List<Node> nodes) {
    }

    record NodeDetail(Node node) {
    }

    /** One plugin bundle: where it came from and its state. */
    record Plugin(long bundleId, String symbolicName, String version, String state, String kind, String source) {
    }

    record PluginList(List<Plugin> plugins) {
    }

    record Message(String text) {
    }

    /** The model files in this node's cache. */
    record ModelList(List<io.orchion.api.model.CachedModel> models) {
    }

    /** A page of jobs; {@code filtered} when the user asked for less than every job. */
    record JobList(io.orchion.api.job.JobPage page, java.util.Map<String, String> nodeNames, boolean filtered) {
    }

    record JobDetail(io.orchion.api.job.Job job, String nodeName) {
    }
}
