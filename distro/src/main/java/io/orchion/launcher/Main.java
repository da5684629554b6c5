package io.orchion.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bin/orchion}: one distribution, three profiles, plus the shell client. */
@Command(name = "orchion", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Orchestrates AI jobs across the machines you own.%n"
                + "With no command, starts `up`: the orchestrator and a local agent in one process.",
        subcommands = { Main.Up.class, Main.Orchestrator.class, Main.Agent.class, Main.Shell.class, Main.VersionCmd.class })
public final class Main implements Callable<Integer> {

    @Mixin
    Common common = new Common();
    @Mixin
    Server server = new Server();
    @Mixin
    Node node = new Node();

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * The command line with its error handling: a launch that cannot go on says why in one line and
     * exits 1, a bad option says which and how to get help and exits 2 (both on the command line's
     * error stream, which tests replace).
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof Launch.LaunchException) {
                cmd.getErr().println("orchion: " + e.getMessage());
            } else {
                cmd.getErr().println("orchion: " + e);
            }
            return 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("orchion: " + e.getMessage());
            cmd.getErr().println("Try `orchion " + (cmd.getCommandName().equals("orchion") ? ""
                    : cmd.getCommandName() + " ") + "--help`.");
            return 2;
        });
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        return launch("up", common, server, node, null);
    }

    static Path home() {
        String h = System.getProperty("orchion.home");
        return Path.of(h == null ? "." : h).toAbsolutePath().normalize();
    }

    static int launch(String profile, Common c, Server srv, Node n, String orchestrator) throws Exception {
        return launch(profile, c, srv, n, orchestrator, null);
    }

    static int launch(String profile, Common c, Server srv, Node n, String orchestrator, String joinToken)
            throws Exception {
        Logs.setup(c.debug);
        Path home = home();
        String bind = srv.bind != null ? srv.bind : profile.equals("orchestrator") ? "0.0.0.0" : "127.0.0.1";
        boolean loopback = isLoopback(bind);
        if (!List.of("auto", "on", "off").contains(srv.httpTls)) {
            throw new Launch.LaunchException("--http-tls '" + srv.httpTls + "' is not auto, on or off");
        }
        boolean https = switch (srv.httpTls) {
            case "on" -> true;
            case "off" -> false;
            default -> !loopback;
        };
        if (!profile.equals("agent") && !https && !loopback && !srv.allowInsecure) {
            throw new Launch.LaunchException("refusing to serve the REST API and dashboard over plain HTTP on " + bind
                    + ": API tokens would cross the network readable by anyone on it. Leave --http-tls at auto "
                    + "(HTTPS with the orchestrator's own certificate), or accept the risk with --allow-insecure");
        }
        if (!profile.equals("agent") && !https && !loopback) {
            System.err.println("orchion: WARNING: plain HTTP on " + bind + " (--allow-insecure): API tokens cross the network in clear text");
        }
        if (profile.equals("up")) {
            // the local agent dials its own orchestrator where it listens
            boolean any = bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]");
            orchestrator = (any ? "127.0.0.1" : bind.contains(":") ? "[" + bind + "]" : bind) + ":" + srv.grpcPort;
        }
        var settings = new Launch.Settings(home, c.data(home), c.conf(home), c.bundles(home), profile, bind, srv.grpcPort, srv.httpPort,
                orchestrator, n.name, String.join(",", n.labels), Launch.version(), joinToken, https);
        return new Launch(settings).run();
    }

    static boolean isLoopback(String bind) {
        String b = bind.replaceAll("^\\[|\\]$", "");
        return b.equals("localhost") || b.equals("::1") || b.startsWith("127.");
    }

    static class Common {
        @Option(names = "--data", paramLabel = "DIR", description = "data folder (store, agent identity, shell socket); default: the distribution's data/")
        Path data;
        @Option(names = "--conf", paramLabel = "DIR", description = "configuration folder, watched; default: the distribution's conf/")
        Path conf;
        @Option(names = "--bundles", paramLabel = "DIR", description = "hot-deploy folder for plugin jars, watched; default: the distribution's bundles/")
        Path bundles;
        @Option(names = "--debug", description = "debug logging, with stack traces")
        boolean debug;

        Path bundles(Path home) {
            return (bundles != null ? bundles : home.resolve("bundles")).toAbsolutePath().normalize();
        }

        Path data(Path home) {
            return (data != null ? data : home.resolve("data")).toAbsolutePath().normalize();
        }

        Path conf(Path home) {
            return (conf != null ? conf : home.resolve("conf")).toAbsolutePath().normalize();
        }
    }

    static class Server {
        @Option(names = "--grpc-port", paramLabel = "N", defaultValue = "50051", description = "gRPC port (default ${DEFAULT-VALUE})")
        int grpcPort;
        @Option(names = "--http-port", paramLabel = "N", defaultValue = "8080", description = "HTTP port for REST and the dashboard (default ${DEFAULT-VALUE})")
        int httpPort;
        @Option(names = "--bind", paramLabel = "ADDR", description = "address to listen on; default 127.0.0.1 for up, 0.0.0.0 for orchestrator")
        String bind;
        @Option(names = "--http-tls", paramLabel = "auto|on|off", defaultValue = "auto", description = "HTTPS for the REST API and dashboard with the orchestrator's own certificate; auto (default): on unless bound to loopback")
        String httpTls = "auto";
        @Option(names = "--allow-insecure", description = "allow plain HTTP on a non-loopback address (tokens in clear text on the network)")
        boolean allowInsecure;
    }

    static class Node {
        @Option(names = "--name", paramLabel = "NODE_NAME", description = "this node's display name (default: the hostname)")
        String name;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "a node label; repeat for more")
        List<String> labels = new ArrayList<>();
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "All in one: orchestrator and a local agent in one process (the default).")
    static final class Up implements Callable<Integer> {
        @Mixin
        Common common = new Common();
        @Mixin
        Server server = new Server();
        @Mixin
        Node node = new Node();

        @Override
        public Integer call() throws Exception {
            return launch("up", common, server, node, null);
        }
    }

    @Command(name = "orchestrator", mixinStandardHelpOptions = true, description = "The orchestrator alone: agents on other machines join it.")
    static final class Orchestrator implements Callable<Integer> {
        @Mixin
        Common common = new Common();
        @Mixin
        Server server = new Server();

        @Override
        public Integer call() throws Exception {
            return launch("orchestrator", common, server, new Node(), null);
        }
    }

    @Command(name = "agent", mixinStandardHelpOptions = true, description = "A node agent that joins an orchestrator.")
    static final class Agent implements Callable<Integer> {
        @Mixin
        Common common = new Common();
        @Mixin
        Node node = new Node();
        @Option(names = "--orchestrator", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:50051",
                description = "the orchestrator's gRPC address (default ${DEFAULT-VALUE})")
        String orchestrator;
        @Option(names = "--token", paramLabel = "JOIN_TOKEN", description = "join token for the first start (orchion:jointoken create on the orchestrator); "
                + "or set ORCHION_TOKEN, which other users cannot see in the process list")
        String token;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (orchestrator.lastIndexOf(':') <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--orchestrator '" + orchestrator + "' is not HOST:PORT");
            }
            String t = token != null ? token : System.getenv("ORCHION_TOKEN");
            return launch("agent", common, new Server(), node, orchestrator, t);
        }
    }

    @Command(name = "shell", mixinStandardHelpOptions = true, description = "Attach to a running instance's shell, or run one command in it.")
    static final class Shell implements Callable<Integer> {
        @Option(names = "--data", paramLabel = "DIR", description = "data folder of the running instance; default: the distribution's data/")
        Path data;
        @Option(names = "--socket", paramLabel = "PATH", description = "explicit shell socket address (overrides --data)")
        Path socket;
        @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "a command, e.g. 'orchion:nodes'; none for an interactive shell")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            Path sock = socket != null ? socket
                    : (data != null ? data : home().resolve("data")).toAbsolutePath().resolve("run/shell.sock");
            return new ShellClient(sock).run(command.isEmpty() ? null : String.join(" ", command));
        }
    }

    @Command(name = "version", description = "Print the version.")
    static final class VersionCmd implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println("orchion " + Launch.version() + " (Java " + System.getProperty("java.version") + ", "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")");
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] { "orchion " + Launch.version() };
        }
    }
}
