package io.orchion.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.logging.Logger;

import org.apache.felix.framework.Felix;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;

/**
 * Starts one Orchion instance: takes the data folder's lock, starts Felix with the profile's
 * bundles from {@code system/}, lets FileInstall apply {@code conf/} before the platform starts,
 * watches {@code bundles/} for hot deploy, and reports when the profile's parts are ready.
 */
final class Launch {
    private static final Logger LOG = Logger.getLogger("launcher");
    /** Bundles started before the rest, so configuration is in place when components activate. */
    private static final List<String> FIRST = List.of("org.apache.felix.log", "org.apache.felix.configadmin",
            "org.apache.felix.fileinstall");

    record Settings(Path home, Path data, Path conf, Path bundles, String profile, String bind, int grpcPort, int httpPort,
            String orchestrator, String name, String labels, String version, String joinToken, boolean https) {
        @Override
        public String toString() {
            return "Settings[" + profile + ", data " + data + ", bind " + bind + "]"; // never the join token
        }
    }

    /** Thrown for problems the operator can fix; the message is the whole story. */
    static final class LaunchException extends Exception {
        private static final long serialVersionUID = 1L;

        LaunchException(String message) {
            super(message);
        }
    }

    private final Settings s;
    private FileChannel lockChannel;
    private FileLock lock;

    Launch(Settings settings) {
        this.s = settings;
    }

    int run() throws Exception {
        long t0 = ManagementFactory.getRuntimeMXBean().getStartTime();
        Profile profile = Profile.load(s.home().resolve("profiles"), s.profile());
        OwnerOnly.createFolder(s.data());
        Files.createDirectories(s.conf());
        lockData();
        int tightened = OwnerOnly.tighten(s.data());
        if (tightened > 0) {
            LOG.info("launcher: took group and other permissions off " + tightened + " entries of the data folder "
                    + s.data());
        }
        if (profile.ready().contains("grpc")) {
            requireFree("gRPC", s.bind(), s.grpcPort(), "--grpc-port");
        }
        if (profile.ready().contains("http")) {
            requireFree("HTTP", s.bind(), s.httpPort(), "--http-port");
        }
        Map<String, Path> system = systemBundles(s.home().resolve("system"));

        LOG.fine(() -> "launcher: bundles indexed at " + since(t0) + " ms");
        Felix felix = new Felix(frameworkProperties());
        felix.init();
        BundleContext ctx = felix.getBundleContext();
        List<Bundle> installed = new ArrayList<>();
        for (String bsn : profile.bundles()) {
            Path jar = system.get(bsn);
            if (jar == null) {
                throw new LaunchException("profile " + s.profile() + " names bundle " + bsn + ", which is not in "
                        + s.home().resolve("system"));
            }
            // reference: Felix uses the jar in place instead of copying it into its cache
            installed.add(ctx.installBundle("reference:" + jar.toUri()));
        }
        felix.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(felix), "orchion-shutdown"));

        for (Bundle b : installed) {
            if (FIRST.contains(b.getSymbolicName())) {
                start(b);
            }
        }
        LOG.fine(() -> "launcher: framework started at " + since(t0) + " ms");
        Object configAdmin = await(ctx, "org.osgi.service.cm.ConfigurationAdmin", 10_000);
        awaitConfFiles(configAdmin);
        watchBundlesFolder(configAdmin);
        LOG.fine(() -> "launcher: configuration applied at " + since(t0) + " ms");
        int failures = 0;
        for (Bundle b : installed) {
            if (!FIRST.contains(b.getSymbolicName()) && !start(b)) {
                failures++;
            }
            if ("io.orchion.security".equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE) {
                // the HTTPS listener reads the key store the certificate authority writes: wait for it
                long until = System.currentTimeMillis() + 30_000;
                while (ready(ctx, "security") == null && System.currentTimeMillis() < until
                        && System.getProperty("orchion.fatal") == null) {
                    Thread.sleep(10);
                }
            }
        }
        LOG.fine(() -> "launcher: platform bundles started at " + since(t0) + " ms");
        if (failures > 0) {
            LOG.severe(failures + " bundle(s) of profile " + s.profile() + " did not start; see the lines above");
        }
        awaitReady(ctx, profile, t0);
        FrameworkEvent end = felix.waitForStop(0);
        String fatal = System.getProperty("orchion.fatal");
        if (fatal != null) {
            throw new LaunchException(fatal);
        }
        return end.getType() == FrameworkEvent.ERROR ? 1 : 0;
    }

    private static long since(long t0) {
        return System.currentTimeMillis() - t0;
    }

    private Map<String, Object> frameworkProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put(Constants.FRAMEWORK_STORAGE, s.data().resolve("cache/felix").toString());
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        p.put(Constants.FRAMEWORK_BOOTDELEGATION, "sun.*");
        String slf4j = "2.0.20";
        p.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "org.slf4j;version=" + slf4j + ",org.slf4j.spi;version=" + slf4j
                + ",org.slf4j.event;version=" + slf4j + ",org.slf4j.helpers;version=" + slf4j + ",sun.misc"
                + ",com.sun.management"); // JVM metrics (io.orchion.metrics)
        p.put("felix.log.level", "2");
        p.putAll(watcher(s.conf(), ".*\\.(cfg|config)"));
        // no write-back: FileInstall rewriting a file it watches races its own poll and can
        // hand Configuration Admin a half-written file at start-up
        p.put("felix.fileinstall.enableConfigSave", "false");
        if (s.https()) {
            // HTTPS only, with the server certificate the security bundle writes before Jetty starts
            p.put("org.apache.felix.http.enable", "false");
            p.put("org.apache.felix.https.enable", "true");
            p.put("org.osgi.service.http.port.secure", String.valueOf(s.httpPort()));
            p.put("org.apache.felix.https.keystore", s.data().resolve("security/https.p12").toString());
            String pw = randomPassword();
            p.put("org.apache.felix.https.keystore.password", pw);
            p.put("org.apache.felix.https.keystore.key.password", pw);
            p.put("org.apache.felix.https.keystore.type", "PKCS12");
            p.put("org.apache.felix.https.jetty.protocols.included", "TLSv1.3,TLSv1.2");
            p.put("orchion.https", "true");
        }
        p.put("org.osgi.service.http.port", String.valueOf(s.httpPort()));
        p.put("org.apache.felix.http.host", s.bind());
        p.put("org.apache.felix.http.jetty.sendServerHeader", "false");
        // request and response headers at most 16 KiB each: Jetty answers 431 beyond (bodies are
        // limited per route by the REST bundle)
        p.put("org.apache.felix.http.jetty.headerBufferSize", "16384");
        p.put("org.apache.felix.http.name", "orchion");
        p.put("ds.loglevel", "warn");
        p.put("org.apache.felix.log.storeDebug", "false");
        p.put("org.apache.felix.log.maxSize", "200");
        // the orchion.* names mirror io.orchion.api.Orchion (the launcher stays outside the framework)
        p.put("orchion.home", s.home().toString());
        p.put("orchion.data", s.data().toString());
        p.put("orchion.profile", s.profile());
        p.put("orchion.version", s.version());
        p.put("orchion.grpc.port", String.valueOf(s.grpcPort()));
        p.put("orchion.bind", s.bind());
        p.put("orchion.bundles.dir", s.bundles().toString());
        put(p, "orchion.orchestrator", s.orchestrator());
        put(p, "orchion.join.token", s.joinToken());
        put(p, "orchion.node.name", s.name());
        put(p, "orchion.node.labels", s.labels());
        p.put("felix.log.logger", new FelixLog());
        // -Dds.loglevel=debug and the like (ORCHION_JAVA_OPTS) override framework properties
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("felix.") || key.startsWith("ds.") || key.startsWith("org.osgi.")
                    || key.startsWith("org.apache.felix.")) {
                p.put(key, System.getProperty(key));
            }
        }
        return p;
    }

    /** A fresh password for the HTTPS key store, which is rewritten at every start. */
    private static String randomPassword() {
        byte[] b = new byte[24];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void put(Map<String, Object> p, String key, String value) {
        if (value != null && !value.isBlank()) {
            p.put(key, value);
        }
    }

    private boolean start(Bundle b) {
        if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
            return true;
        }
        try {
            b.start();
            return true;
        } catch (BundleException e) {
            LOG.severe("bundle " + b.getSymbolicName() + " did not start: " + e.getMessage());
            return false;
        }
    }

    /** One instance per data folder: two would fight over the store and the agent identity. */
    private void lockData() throws IOException, LaunchException {
        Path file = s.data().resolve("orchion.lock");
        lockChannel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
            throw new LaunchException("the data folder " + s.data() + " is in use by another Orchion process"
                    + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; stop it or choose another --data");
        }
        lockChannel.truncate(0);
        lockChannel.write(java.nio.ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
        lockChannel.force(true);
    }

    private static void requireFree(String what, String bind, int port, String option) throws LaunchException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(bind, port));
        } catch (IOException e) {
            throw new LaunchException(what + " port " + port + " on " + bind + " is already in use"
                    + " (is Orchion already running? choose another with " + option + ")");
        }
    }

    /** Maps bundle symbolic names to the jars of {@code system/}. */
    private static Map<String, Path> systemBundles(Path dir) throws IOException, LaunchException {
        if (!Files.isDirectory(dir)) {
            throw new LaunchException(dir + " is missing: this is not an Orchion distribution");
        }
        Map<String, Path> map = new HashMap<>();
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path jar : jars) {
                try (JarFile jf = new JarFile(jar.toFile())) {
                    var mf = jf.getManifest();
                    String bsn = mf == null ? null : mf.getMainAttributes().getValue(Constants.BUNDLE_SYMBOLICNAME);
                    if (bsn != null) {
                        map.put(bsn.split(";")[0].trim(), jar);
                    }
                }
            }
        }
        return map;
    }

    private static Object await(BundleContext ctx, String clazz, long timeoutMs) throws InterruptedException, LaunchException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            ServiceReference<?> ref = ctx.getServiceReference(clazz);
            if (ref != null) {
                return ctx.getService(ref);
            }
            Thread.sleep(10);
        }
        throw new LaunchException(clazz + " did not appear within " + timeoutMs + " ms");
    }

    /**
     * Waits (at most 5 s) until FileInstall has handed every file of conf/ to Configuration Admin,
     * so components start with the operator's settings rather than restarting with them.
     */
    private void awaitConfFiles(Object configAdmin) throws Exception {
        List<String> wanted = new ArrayList<>();
        if (Files.isDirectory(s.conf())) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(s.conf(), "*.{cfg,config}")) {
                files.forEach(f -> wanted.add(f.getFileName().toString()));
            }
        }
        Method list = configAdmin.getClass().getMethod("listConfigurations", String.class);
        long end = System.currentTimeMillis() + 5000;
        while (!wanted.isEmpty() && System.currentTimeMillis() < end) {
            Object[] configs = (Object[]) list.invoke(configAdmin, "(felix.fileinstall.filename=*)");
            if (configs != null) {
                for (Object c : configs) {
                    Method props = c.getClass().getMethod("getProperties");
                    props.setAccessible(true);
                    Dictionary<?, ?> d = (Dictionary<?, ?>) props.invoke(c);
                    Object fn = d == null ? null : d.get("felix.fileinstall.filename");
                    if (fn != null) {
                        wanted.removeIf(w -> fn.toString().endsWith("/" + w));
                    }
                }
            }
            if (!wanted.isEmpty()) {
                Thread.sleep(20);
            }
        }
        if (!wanted.isEmpty()) {
            LOG.warning("configuration files not applied yet (see messages above): " + wanted);
        }
    }

    /** Settings of a FileInstall watcher: one for conf/ (framework properties), one for bundles/. */
    private static Map<String, Object> watcher(Path dir, String filter) {
        return Map.of("felix.fileinstall.dir", dir.toString(), "felix.fileinstall.filter", filter,
                "felix.fileinstall.poll", "1000", "felix.fileinstall.noInitialDelay", "true",
                "felix.fileinstall.log.level", "2");
    }

    /** A second FileInstall watcher, for plugin jars in bundles/ (a factory configuration). */
    private void watchBundlesFolder(Object configAdmin) throws Exception {
        Path dir = s.bundles();
        Files.createDirectories(dir);
        Method create = configAdmin.getClass().getMethod("createFactoryConfiguration", String.class, String.class);
        Object config = create.invoke(configAdmin, "org.apache.felix.fileinstall", null);
        Dictionary<String, Object> p = new Hashtable<>(watcher(dir, ".*\\.jar"));
        p.put("felix.fileinstall.bundles.new.start", "true");
        Method update = config.getClass().getMethod("update", Dictionary.class);
        update.setAccessible(true);
        update.invoke(config, p);
    }

    private void awaitReady(BundleContext ctx, Profile profile, long t0) throws InterruptedException {
        long end = System.currentTimeMillis() + 60_000;
        List<String> pending = new ArrayList<>(profile.ready());
        List<String> parts = new ArrayList<>();
        while (!pending.isEmpty() && System.currentTimeMillis() < end && System.getProperty("orchion.fatal") == null) {
            for (var it = pending.iterator(); it.hasNext();) {
                String part = it.next();
                String line = ready(ctx, part);
                if (line != null) {
                    parts.add(line);
                    it.remove();
                }
            }
            if (!pending.isEmpty()) {
                Thread.sleep(10);
            }
        }
        long ms = System.currentTimeMillis() - t0;
        if (System.getProperty("orchion.fatal") != null) {
            return;
        }
        if (pending.isEmpty()) {
            System.out.println("orchion: ready in " + ms + " ms (profile " + s.profile() + "; " + String.join("; ", parts)
                    + "; data " + s.data() + ")");
        } else {
            LOG.warning("not ready after " + ms + " ms, still waiting for: " + pending);
        }
    }

    private String ready(BundleContext ctx, String part) {
        if (part.equals("http")) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(s.bind().equals("0.0.0.0") ? "127.0.0.1" : s.bind(), s.httpPort()), 200);
                return (s.https() ? "HTTPS on " : "HTTP on ") + s.bind() + ":" + s.httpPort();
            } catch (IOException e) {
                return null;
            }
        }
        try {
            var refs = ctx.getServiceReferences("io.orchion.api.Ready", "(orchion.ready=" + part + ")");
            if (refs == null || refs.length == 0) {
                return null;
            }
            Object svc = ctx.getService(refs[0]);
            if (svc == null) {
                return null;
            }
            for (Class<?> i : svc.getClass().getInterfaces()) {
                if (i.getName().equals("io.orchion.api.Ready")) {
                    return String.valueOf(i.getMethod("describe").invoke(svc));
                }
            }
            return part;
        } catch (Exception e) {
            return null;
        }
    }

    private void stop(Felix felix) {
        try {
            if (felix.getState() == Bundle.ACTIVE || felix.getState() == Bundle.STARTING) {
                felix.stop();
                felix.waitForStop(10_000);
            }
        } catch (Exception e) {
            // the JVM is going away regardless
        }
        try {
            if (lock != null) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException | RuntimeException e) {
            // released with the process
        }
    }

    static String version() {
        try (InputStream in = Launch.class.getResourceAsStream("version.properties")) {
            var p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
