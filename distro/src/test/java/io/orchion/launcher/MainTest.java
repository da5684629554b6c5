package io.orchion.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** What the command line refuses before it starts anything, and how it says so. */
class MainTest {
    @TempDir
    Path tmp;

    /** Runs {@code orchion args...} with the real handlers; returns the exit code and what it printed on stderr. */
    private Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute(args);
        return new Result(code, err.toString());
    }

    record Result(int code, String err) {
    }

    @Test
    void loopbackAddressesAreTheOnesThatNeedNoTls() {
        for (String b : new String[] { "127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]" }) {
            assertTrue(Main.isLoopback(b), b);
        }
        for (String b : new String[] { "0.0.0.0", "::", "[::]", "192.0.2.7", "10.0.0.1", "example.org", "128.0.0.1" }) {
            assertFalse(Main.isLoopback(b), b);
        }
    }

    @Test
    void plainHttpOffLoopbackIsRefusedBeforeAnythingIsCreated() {
        // given a data folder that does not exist yet
        Path data = tmp.resolve("data");

        // when an orchestrator is asked to serve plain HTTP on a non-loopback address without --allow-insecure
        Result r = run("orchestrator", "--data", data.toString(), "--conf", tmp.resolve("conf").toString(), "--bind",
                "192.0.2.7", "--http-tls", "off");

        // then it exits 1 saying why and what to do, and has written nothing
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("orchion: refusing to serve the REST API and dashboard over plain HTTP on 192.0.2.7"),
                r.err());
        assertTrue(r.err().contains("--allow-insecure"), r.err());
        assertFalse(Files.exists(data), "the data folder was created");
        assertFalse(Files.exists(tmp.resolve("conf")), "the conf folder was created");
    }

    @Test
    void anHttpTlsValueOtherThanAutoOnOrOffIsNamed() {
        Result r = run("up", "--data", tmp.resolve("data").toString(), "--http-tls", "maybe");
        assertEquals(1, r.code(), r.err());
        assertEquals("orchion: --http-tls 'maybe' is not auto, on or off", r.err().strip());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void anAgentsOrchestratorMustBeHostAndPort() {
        Result r = run("agent", "--data", tmp.resolve("data").toString(), "--orchestrator", "pi-4");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--orchestrator 'pi-4' is not HOST:PORT"), r.err());
        assertTrue(r.err().contains("Try `orchion agent --help`."), r.err());
    }

    @Test
    void anUnknownOptionIsNamedWithWhereToFindHelp() {
        Result r = run("orchestrator", "--grpc-prot", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--grpc-prot"), r.err());
        assertTrue(r.err().contains("Try `orchion orchestrator --help`."), r.err());
    }

    @Test
    void aPortThatIsNotANumberIsNamed() {
        Result r = run("up", "--http-port", "eighty");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--http-port") && r.err().contains("eighty"), r.err());
    }
}
