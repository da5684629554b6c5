package io.orchion.shell.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The shell socket's framing, shared in spirit with the launcher's client: each frame is a type
 * byte, a 4-byte length and that many bytes. Client to server: {@code C} a command line, {@code D}
 * the caller's working folder (relative file names in commands are taken from it). Server to
 * client: {@code O} standard output, {@code E} standard error, {@code X} the command's exit status
 * (4 bytes), which ends the command's answer.
 */
final class Frames {
    static final byte COMMAND = 'C';
    static final byte WORKING_DIR = 'D';
    static final byte OUT = 'O';
    static final byte ERR = 'E';
    static final byte EXIT = 'X';
    static final int MAX_FRAME = 1 << 20;

    private Frames() {
    }

    record Frame(byte type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    static Frame read(DataInputStream in) throws IOException {
        byte type = in.readByte();
        int len = in.readInt();
        if (len < 0 || len > MAX_FRAME) {
            throw new IOException("frame of " + len + " bytes refused");
        }
        byte[] payload = in.readNBytes(len);
        if (payload.length != len) {
            throw new IOException("connection closed inside a frame");
        }
        return new Frame(type, payload);
    }

    static void write(DataOutputStream out, byte type, byte[] payload, int off, int len) throws IOException {
        synchronized (out) {
            out.writeByte(type);
            out.writeInt(len);
            out.write(payload, off, len);
            out.flush();
        }
    }

    /** An output stream whose writes become frames of one type. */
    static OutputStream stream(DataOutputStream out, byte type) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] { (byte) b }, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int pos = 0; pos < len; pos += MAX_FRAME) {
                    Frames.write(out, type, b, off + pos, Math.min(MAX_FRAME, len - pos));
                }
            }
        };
    }
}
