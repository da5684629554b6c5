package io.orchion.api;

/**
 * Names shared across bundles: framework properties the launcher sets and service properties the
 * platform reads. Components read a framework property as an override of their configured value.
 */
public final class Orchion {
    private Orchion() {
    }

    /** Framework property: the data folder of this instance (absolute path). */
    public static final String DATA_DIR = "orchion.data";
    /** Framework property: the profile the launcher started (up, orchestrator, agent). */
    public static final String PROFILE = "orchion.profile";
    /** Framework property: the Orchion version of the distribution. */
    public static final String VERSION = "orchion.version";
    /** Framework property: gRPC listen port of the orchestrator (overrides its configuration). */
    public static final String GRPC_PORT = "orchion.grpc.port";
    /** Framework property: address the orchestrator's gRPC and HTTP listeners bind to. */
    public static final String BIND_ADDRESS = "orchion.bind";
    /** Framework property: host:port of the orchestrator an agent dials. */
    public static final String ORCHESTRATOR_ADDRESS = "orchion.orchestrator";
    /** Framework property: display name of this node (the agent's --name). */
    public static final String NODE_NAME = "orchion.node.name";
    /** Framework property: the join token an agent joins with the first time ({@code --token}). */
    public static final String JOIN_TOKEN = "orchion.join.token";
    /** Framework property: {@code true} when the REST API and dashboard are served over HTTPS. */
    public static final String HTTPS = "orchion.https";
    /** Framework property: labels given on the command line, {@code k=v,k2=v2}. */
    public static final String NODE_LABELS = "orchion.node.labels";

    /**
     * System property a component sets, with a message for the operator, before it stops the
     * framework because the instance cannot work (an unreadable store, a damaged identity). The
     * launcher prints the message and exits with a non-zero status.
     */
    public static final String FATAL = "orchion.fatal";

    /**
     * Stops this instance because it cannot work: records {@code message} under {@link #FATAL} for
     * the launcher (which prints it and exits with a non-zero status) and stops the framework from a
     * thread of its own, since a component must not stop the framework from the thread that
     * activates it. The one way every bundle gives up.
     */
    public static void stopInstance(org.osgi.framework.BundleContext context, String message) {
        System.setProperty(FATAL, message);
        new Thread(() -> {
            try {
                context.getBundle(0).stop();
            } catch (Exception alreadyStopping) {
                // the framework is on its way down already
            }
        }, "orchion-fatal").start();
    }

    /**
     * Manifest header that marks a bundle as an Orchion plugin; its value is the plugin's kind
     * ({@code strategy}, {@code runtime}, {@code example}, ...). {@code orchion:plugins} lists them.
     */
    public static final String PLUGIN_HEADER = "Orchion-Plugin";
}
