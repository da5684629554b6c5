package io.orchion.shell.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.orchion.api.Orchion;

/**
 * The running instance's Gogo shell on a Unix domain socket in its data folder
 * ({@code run/shell.sock}, in a folder only the owner can enter). {@code bin/orchion shell} finds
 * it through the same {@code --data} folder. One Gogo session per connection.
 */
@Component(immediate = true)
public class ShellServer {
    static final String SOCKET = "run/shell.sock";
    private static final Logger LOG = LoggerFactory.getLogger(ShellServer.class);

    private final CommandProcessor processor;
    private final ServerSocketChannel server;
    private final Path socket;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "orchion-shell");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public ShellServer(@Reference CommandProcessor processor, BundleContext context) throws IOException {
        this.processor = processor;
        String data = context.getProperty(Orchion.DATA_DIR);
        this.socket = Path.of(data == null ? "data" : data).toAbsolutePath().resolve(SOCKET);
        Path run = socket.getParent();
        io.orchion.api.OwnerOnly.folder(run);
        Files.deleteIfExists(socket); // a stale socket of a process that died; the data folder lock rules out a live one
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            server.close();
            LOG.error("shell: cannot listen on {}: {}", socket, e.getMessage());
            throw e;
        }
        workers.execute(this::acceptLoop);
        LOG.debug("shell: listening on {}", socket);
    }

    @Deactivate
    void deactivate() throws IOException {
        server.close();
        workers.shutdownNow();
        Files.deleteIfExists(socket);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                workers.execute(() -> serve(client));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("shell: accept failed: {}", e.getMessage());
            }
        }
    }

    /** Session variable: the client's output, unbuffered, for commands that stream. */
    static final String LIVE_OUT = ".orchion.live.out";

    /**
     * The user at the other end of the socket (SO_PEERCRED, looked up through the platform class
     * loader: jdk.net is not a package the framework exports); the process owner if unknown.
     */
    static String peerUser(SocketChannel client) {
        try {
            Class<?> options = ClassLoader.getPlatformClassLoader().loadClass("jdk.net.ExtendedSocketOptions");
            Object option = options.getField("SO_PEERCRED").get(null);
            @SuppressWarnings("unchecked")
            Object principal = client.getOption((java.net.SocketOption<Object>) option);
            Object user = principal.getClass().getMethod("user").invoke(principal);
            return ((java.security.Principal) user).getName();
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            return System.getProperty("user.name", "unknown");
        }
    }

    private void serve(SocketChannel client) {
        try (client;
                DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(client)));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(client)))) {
            OutputStream stdout = Frames.stream(out, Frames.OUT);
            OutputStream stderr = Frames.stream(out, Frames.ERR);
            PrintStream console = new PrintStream(stdout, true, StandardCharsets.UTF_8);
            CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), console,
                    new PrintStream(stderr, true, StandardCharsets.UTF_8));
            // Gogo buffers a command's output until it returns; a command that streams (logs -f) writes here
            session.put(LIVE_OUT, console);
            session.put(ShellAudit.ACTOR, "shell:" + peerUser(client));
            try {
                while (true) {
                    Frames.Frame f;
                    try {
                        f = Frames.read(in);
                    } catch (EOFException eof) {
                        return;
                    }
                    if (f.type() == Frames.WORKING_DIR) {
                        session.put("_cwd", f.text());
                        continue;
                    }
                    if (f.type() != Frames.COMMAND) {
                        continue;
                    }
                    int status = run(session, f.text(), stdout, stderr);
                    byte[] code = { (byte) (status >>> 24), (byte) (status >>> 16), (byte) (status >>> 8), (byte) status };
                    Frames.write(out, Frames.EXIT, code, 0, 4);
                }
            } finally {
                session.close();
            }
        } catch (IOException e) {
            LOG.debug("shell: connection ended: {}", e.getMessage());
        }
    }

    /** Runs one command line; prints its result or its error (never a stack trace) and returns 0 or 1. */
    static int run(CommandSession session, String line, OutputStream stdout, OutputStream stderr) throws IOException {
        try {
            Object result = session.execute(line);
            if (result != null) {
                CharSequence text = session.format(result, Converter.INSPECT);
                stdout.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return 0;
        } catch (Exception e) {
            Throwable t = e;
            while ((t instanceof InvocationTargetException || t.getMessage() == null) && t.getCause() != null) {
                t = t.getCause();
            }
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            stderr.write(("error: " + message + "\n").getBytes(StandardCharsets.UTF_8));
            return 1;
        }
    }
}
