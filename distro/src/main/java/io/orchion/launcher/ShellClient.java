package io.orchion.launcher;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code bin/orchion shell}: attaches to a running instance's Gogo shell through the socket in its
 * data folder ({@code run/shell.sock}). With a command it runs that one and exits with its status;
 * without, it reads commands from standard input. Frames as in the shell bundle: a type byte, a
 * 4-byte length, the bytes; C command, D working folder, O output, E error, X exit status.
 */
final class ShellClient {
    private final Path socket;

    ShellClient(Path socket) {
        this.socket = socket;
    }

    int run(String command) throws IOException {
        if (!Files.exists(socket)) {
            System.err.println("orchion: no running Orchion found (" + socket + " is missing); start one with "
                    + "`bin/orchion up`, or point --data at the running instance's data folder");
            return 2;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                System.err.println("orchion: cannot reach the shell at " + socket + " (" + e.getMessage()
                        + "); is the instance still running?");
                return 2;
            }
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
            byte[] cwd = System.getProperty("user.dir").getBytes(StandardCharsets.UTF_8);
            out.writeByte('D'); // relative file names in commands are the caller's
            out.writeInt(cwd.length);
            out.write(cwd);
            if (command != null) {
                return exchange(in, out, command);
            }
            boolean tty = System.console() != null;
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int last = 0;
            while (true) {
                if (tty) {
                    System.out.print("orchion> ");
                    System.out.flush();
                }
                String line = stdin.readLine();
                if (line == null || line.strip().equals("exit") || line.strip().equals("quit")) {
                    return last;
                }
                if (!line.isBlank()) {
                    last = exchange(in, out, line);
                }
            }
        }
    }

    private static int exchange(DataInputStream in, DataOutputStream out, String command) throws IOException {
        byte[] cmd = command.getBytes(StandardCharsets.UTF_8);
        out.writeByte('C');
        out.writeInt(cmd.length);
        out.write(cmd);
        out.flush();
        while (true) {
            byte type = in.readByte();
            int len = in.readInt();
            byte[] payload = in.readNBytes(len);
            switch (type) {
                case 'O' -> write(System.out, payload);
                case 'E' -> write(System.err, payload);
                case 'X' -> {
                    return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                            | (payload[3] & 0xff);
                }
                default -> throw new IOException("unexpected frame type " + type);
            }
        }
    }

    private static void write(PrintStream s, byte[] bytes) {
        s.write(bytes, 0, bytes.length);
        s.flush();
    }
}
