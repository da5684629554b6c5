package io.orchion.models.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.orchion.api.OwnerOnly;
import io.orchion.api.model.CachedModel;
import io.orchion.api.model.ModelFiles;
import io.orchion.api.model.ModelSource;
import io.orchion.api.security.Pem;

/**
 * The node's model cache: one folder per download ({@code CACHE/KEY/}, the key a hash of the URL)
 * holding the file, while it downloads as {@code NAME.part}, and once complete under its own name
 * beside {@code model.properties} (source, size, SHA-256, time), written last: a folder without it
 * holds no complete file. A download that breaks off (the server stops, the agent restarts, the
 * caller is interrupted) keeps its part, and the next fetch asks the server for the rest
 * ({@code Range}); a server that ignores the range sends the whole file again. The SHA-256 is
 * computed while the bytes arrive; a file that does not match the one given is removed.
 *
 * <p>One request cannot fill the disk: before a download whose size the server announces, the
 * free space must hold it and still leave {@link Settings#reserveBytes()}; one of unknown size stops
 * when the free space falls to the reserve, and one that sends more than it announced is stopped.
 * A server that sends nothing for {@link Settings#stall()} is given up on.
 */
final class ModelCache implements ModelFiles, AutoCloseable {
    static final String META = "model.properties";
    static final String PART = ".part";
    private static final int BUFFER = 1 << 20;
    private static final long PROGRESS_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");

    /**
     * @param dir          the cache folder (made owner-only)
     * @param huggingFace  the Hugging Face endpoint ({@code https://huggingface.co}, or a mirror)
     * @param stall        how long a server may send nothing before the download is given up
     * @param reserveBytes free disk space a download must leave
     */
    record Settings(Path dir, URI huggingFace, Duration stall, long reserveBytes) {
    }

    private final Settings settings;
    private final HttpClient http;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orchion-model-download-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** The downloads under way, stopped by {@link #close()} so that none outlives the cache. */
    private final java.util.Set<Download> active = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    ModelCache(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(settings.stall()).build();
    }

    @Override
    public void close() {
        closed = true;
        watchdog.shutdownNow();
        for (Download d : active) {
            d.stop(stoppedByClose(d));
        }
    }

    @Override
    public Path fetch(ModelSource source, Progress progress) throws ModelFetchException, InterruptedException {
        Progress p = progress == null ? Progress.NONE : progress;
        return switch (source.kind()) {
            case PATH -> local(source);
            case URL -> download(URI.create(source.location()), source, p);
            case HUGGING_FACE -> download(huggingFace(source), source, p);
            case OLLAMA -> throw new IllegalArgumentException(source + " is an Ollama tag: the ollama runtime pulls it");
        };
    }

    /** {@code ENDPOINT/OWNER/REPO/resolve/REVISION/FILE}, each part percent-encoded. */
    URI huggingFace(ModelSource source) {
        StringBuilder u = new StringBuilder(settings.huggingFace().toString().replaceAll("/+$", ""));
        u.append('/').append(source.repository()).append("/resolve/").append(encode(source.revision()));
        for (String segment : source.file().split("/")) {
            u.append('/').append(encode(segment));
        }
        return URI.create(u.toString());
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private Path local(ModelSource source) throws ModelFetchException, InterruptedException {
        Path file = Path.of(source.location());
        if (!Files.exists(file)) {
            throw new ModelFetchException("model file " + file + " does not exist on this node");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelFetchException("model file " + file + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new ModelFetchException("model file " + file + " cannot be read by the agent's user");
        }
        if (source.sha256() != null) {
            String actual;
            try {
                actual = sha256(file);
            } catch (IOException e) {
                throw new ModelFetchException("cannot read model file " + file + ": " + e.getMessage(), e);
            }
            if (!actual.equals(source.sha256())) {
                // the operator's own file: said, never removed
                throw new ModelFetchException("model file " + file + " has SHA-256 " + actual + ", not the "
                        + source.sha256() + " given");
            }
        }
        return file;
    }

    private Path download(URI uri, ModelSource source, Progress progress) throws ModelFetchException, InterruptedException {
        String key = HexFormat.of().formatHex(digest().digest(uri.toString().getBytes(StandardCharsets.UTF_8)))
                .substring(0, 24);
        ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lockInterruptibly();
        try {
            Path folder = settings.dir().resolve(key);
            String name = fileName(uri);
            Path done = folder.resolve(name);
            Path part = folder.resolve(name + PART);
            CachedModel cached = read(folder);
            if (cached != null && cached.file().equals(done) && Files.isRegularFile(done)) {
                if (source.sha256() == null || source.sha256().equals(cached.sha256())) {
                    progress.update(cached.bytes(), cached.bytes());
                    return done;
                }
                // another checksum than the cached file's: the file upstream may have changed since
                Files.deleteIfExists(folder.resolve(META));
                Files.deleteIfExists(done);
            }
            OwnerOnly.folder(settings.dir());
            OwnerOnly.folder(folder);
            Transfer t = transfer(uri, part, progress);
            if (source.sha256() != null && !source.sha256().equals(t.sha256())) {
                Files.deleteIfExists(part);
                throw new ModelFetchException("the file at " + uri + " has SHA-256 " + t.sha256() + ", not the "
                        + source.sha256() + " given; the downloaded file was removed");
            }
            Pem.replace(part, done);
            Properties meta = new Properties();
            meta.setProperty("source", source.toString());
            meta.setProperty("url", uri.toString());
            meta.setProperty("file", name);
            meta.setProperty("bytes", Long.toString(t.bytes()));
            meta.setProperty("sha256", t.sha256());
            meta.setProperty("fetched", Instant.now().toString());
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            meta.store(b, "a complete model file in this folder");
            Pem.writeOwnerOnly(folder.resolve(META), b.toByteArray());
            return done;
        } catch (ModelFetchException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFetchException("cannot keep the model from " + uri + " in " + settings.dir() + ": "
                    + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    record Transfer(long bytes, String sha256) {
    }

    /**
     * Brings {@code part} to the whole file, resuming what it holds; returns its size and SHA-256.
     * The body is written as it arrives by a {@link Download} on the HTTP client's threads while the
     * caller waits on its future: an interrupt of the caller stops it at once (a blocking read of
     * the client's input stream would swallow the interrupt), and so do a stall and {@link #close()}.
     */
    private Transfer transfer(URI uri, Path part, Progress progress) throws IOException, InterruptedException {
        MessageDigest md = digest();
        long have = Files.exists(part) ? Files.size(part) : 0;
        if (have > 0) {
            hash(part, have, md);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(settings.stall())
                .header("User-Agent", "orchion-agent");
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        Download d = new Download(uri, part, have, md, progress);
        active.add(d);
        if (closed) {
            d.stop(stoppedByClose(d));
        }
        ScheduledFuture<?> guard = watchdog.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - d.lastByte > settings.stall().toNanos()) {
                d.stop(new ModelFetchException(uri.getHost() + " sent nothing for " + settings.stall().toSeconds()
                        + " s (at " + mib(d.done) + (d.total > 0 ? " of " + mib(d.total) : "")
                        + "); what arrived is kept and the next try resumes"));
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        try {
            java.util.concurrent.CompletableFuture<HttpResponse<Void>> sent = http.sendAsync(request.build(), d);
            try {
                sent.get();
            } catch (InterruptedException e) {
                d.stop(new ModelFetchException("stopped"));
                sent.cancel(true);
                throw new InterruptedException("the download of " + uri + " was stopped at " + d.done + " bytes");
            } catch (java.util.concurrent.ExecutionException e) {
                throw failure(uri, d, e.getCause());
            }
            if (d.refusal != null) {
                throw d.refusal;
            }
            if (d.restart) {
                Files.deleteIfExists(part);
                return transfer(uri, part, progress);
            }
            if (d.total >= 0 && d.done != d.total) {
                throw new ModelFetchException("the download from " + uri.getHost() + " ended at " + d.done + " of "
                        + d.total + " bytes; what arrived is kept and the next try resumes");
            }
            progress.update(d.done, d.done);
            return new Transfer(d.done, HexFormat.of().formatHex(md.digest()));
        } finally {
            guard.cancel(false);
            active.remove(d);
            d.closeFile();
        }
    }

    private ModelFetchException stoppedByClose(Download d) {
        return new ModelFetchException("the node's model cache stopped (the agent is stopping or its configuration "
                + "changed) at " + mib(d.done) + "; what arrived is kept and the next try resumes");
    }

    /** The exception a failed transfer is reported as, its cause found under the client's wrappers. */
    private ModelFetchException failure(URI uri, Download d, Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        for (Throwable x = c; x != null; x = x.getCause()) {
            if (x instanceof ModelFetchException m) {
                return m;
            }
        }
        if (c instanceof HttpConnectTimeoutException) {
            return new ModelFetchException("cannot reach " + uri.getHost() + ": no connection within "
                    + settings.stall().toSeconds() + " s", c);
        }
        if (c instanceof HttpTimeoutException) {
            return new ModelFetchException(uri.getHost() + " did not answer within " + settings.stall().toSeconds() + " s", c);
        }
        if (c instanceof ConnectException) {
            return new ModelFetchException("cannot reach " + uri.getHost() + ": connection refused", c);
        }
        if (d.done > d.have) {
            return new ModelFetchException("the download from " + uri.getHost() + " broke off at " + mib(d.done) + ": "
                    + c.getMessage() + "; what arrived is kept and the next try resumes", c);
        }
        return new ModelFetchException("cannot download " + uri + ": " + c, c);
    }

    /**
     * One request's body, written to the part file as it arrives. {@link #apply} reads the status
     * and headers and decides: the rest of the file (206 from where the part ends), the whole file
     * (200), nothing left (416 with the part's size), or a refusal. Every buffer goes to the file
     * and the digest before the next is requested, so the part on disk is always a prefix of the file.
     */
    private final class Download implements HttpResponse.BodyHandler<Void>, HttpResponse.BodySubscriber<Void> {
        final URI uri;
        final Path part;
        final MessageDigest md;
        final Progress progress;
        final java.util.concurrent.CompletableFuture<Void> body = new java.util.concurrent.CompletableFuture<>();
        volatile long have;
        volatile long done;
        volatile long total = -1;
        volatile long lastByte = System.nanoTime();
        volatile ModelFetchException refusal;
        volatile boolean restart;
        private long lastProgress;
        private long checkSpaceAt;
        private FileChannel out;
        private java.util.concurrent.Flow.Subscription subscription;
        private boolean stopped;

        Download(URI uri, Path part, long have, MessageDigest md, Progress progress) {
            this.uri = uri;
            this.part = part;
            this.have = have;
            this.done = have;
            this.md = md;
            this.progress = progress;
        }

        @Override
        public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
            lastByte = System.nanoTime();
            int code = info.statusCode();
            String contentRange = info.headers().firstValue("Content-Range").orElse("");
            try {
                if (code == 416 && have > 0) {
                    // nothing past what we have: complete if the server's size is ours, else start again
                    Matcher m = UNSATISFIED_RANGE.matcher(contentRange);
                    if (m.matches() && Long.parseLong(m.group(1)) == have) {
                        total = have;
                    } else {
                        restart = true;
                    }
                    return nothing();
                }
                if (code == 206) {
                    Matcher m = CONTENT_RANGE.matcher(contentRange);
                    if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                        Files.deleteIfExists(part);
                        return refuse(new ModelFetchException(uri.getHost() + " answered a resume with another part of "
                                + "the file (" + (contentRange.isEmpty() ? "no Content-Range" : contentRange)
                                + "); the partial file was removed and the next try starts over"));
                    }
                    total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
                } else if (code == 200) {
                    if (have > 0) {
                        have = 0; // the server ignored the range: the whole file again
                        done = 0;
                        md.reset();
                    }
                    total = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                } else {
                    return refuse(new ModelFetchException(uri + " answered HTTP " + code + explain(code)));
                }
                if (total >= 0 && total < have) {
                    Files.deleteIfExists(part);
                    return refuse(new ModelFetchException(uri.getHost() + " says the file is " + total
                            + " bytes, fewer than the " + have + " already downloaded; the partial file was removed"));
                }
                if (total > 0) {
                    long usable = Files.getFileStore(part.getParent()).getUsableSpace();
                    if (usable - (total - have) < settings.reserveBytes()) {
                        return refuse(new ModelFetchException("the model from " + uri.getHost() + " needs "
                                + mib(total - have) + " more and the disk has " + mib(usable) + " free, keeping "
                                + mib(settings.reserveBytes()) + " in reserve"));
                    }
                }
                synchronized (this) {
                    out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    out.truncate(have);
                    out.position(have);
                }
                checkSpaceAt = have + (64L << 20);
                lastProgress = System.nanoTime();
                progress.update(done, total);
                return this;
            } catch (IOException e) {
                return refuse(new ModelFetchException("cannot write " + part + ": " + e.getMessage(), e));
            }
        }

        private HttpResponse.BodySubscriber<Void> refuse(ModelFetchException why) {
            refusal = why;
            return nothing();
        }

        /** A body not wanted: the connection is given up rather than read to its end. */
        private HttpResponse.BodySubscriber<Void> nothing() {
            return new HttpResponse.BodySubscriber<>() {
                @Override
                public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                    s.cancel();
                }

                @Override
                public void onNext(List<java.nio.ByteBuffer> item) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onComplete() {
                }

                @Override
                public java.util.concurrent.CompletionStage<Void> getBody() {
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                }
            };
        }

        @Override
        public synchronized void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            subscription = s;
            if (stopped) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            java.util.concurrent.Flow.Subscription s;
            synchronized (this) {
                if (stopped) {
                    return;
                }
                try {
                    for (ByteBuffer b : buffers) {
                        int n = b.remaining();
                        if (total >= 0 && done + n > total) {
                            out.close();
                            Files.deleteIfExists(part);
                            throw new ModelFetchException(uri.getHost() + " sent more than the " + total
                                    + " bytes it announced; the partial file was removed");
                        }
                        md.update(b.duplicate());
                        while (b.hasRemaining()) {
                            out.write(b);
                        }
                        done += n;
                    }
                    lastByte = System.nanoTime();
                    if (total < 0 && done >= checkSpaceAt) {
                        checkSpaceAt = done + (64L << 20);
                        if (Files.getFileStore(part.getParent()).getUsableSpace() < settings.reserveBytes()) {
                            throw new ModelFetchException("the disk's free space fell to the reserve of "
                                    + mib(settings.reserveBytes()) + " while downloading from " + uri.getHost() + " (at "
                                    + mib(done) + ", size not announced); what arrived is kept");
                        }
                    }
                } catch (ModelFetchException e) {
                    stopLocked(e);
                    return;
                } catch (IOException e) {
                    stopLocked(new ModelFetchException("cannot write " + part + ": " + e.getMessage(), e));
                    return;
                }
                s = subscription;
            }
            if (System.nanoTime() - lastProgress >= PROGRESS_EVERY_NANOS) {
                lastProgress = System.nanoTime();
                progress.update(done, total);
            }
            s.request(1);
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            synchronized (this) {
                try {
                    if (out != null) {
                        out.force(true);
                    }
                } catch (IOException e) {
                    body.completeExceptionally(new ModelFetchException("cannot write " + part + ": " + e.getMessage(), e));
                    return;
                }
            }
            body.complete(null);
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> getBody() {
            return body;
        }

        /** Ends the download with {@code why}; what is on disk stays (unless {@code why} removed it). */
        synchronized void stop(ModelFetchException why) {
            stopLocked(why);
        }

        private void stopLocked(ModelFetchException why) {
            if (stopped) {
                return;
            }
            stopped = true;
            body.completeExceptionally(why);
            if (subscription != null) {
                subscription.cancel();
            }
        }

        /** Closes the part file once no buffer is being written to it. */
        synchronized void closeFile() {
            stopped = true;
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // a failed close of a file read again from its start on resume
                }
            }
        }
    }

    private static String explain(int code) {
        return switch (code) {
            case 401, 403 -> " (refused: the file may need a token or be gated)";
            case 404 -> " (no such file)";
            case 429 -> " (too many requests: try again later)";
            default -> code >= 500 ? " (the server failed)" : "";
        };
    }

    private static String mib(long bytes) {
        return bytes >= (10L << 20) ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    /** The URL's last path segment, made a safe file name ({@code model} if it has none). */
    static String fileName(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        String decoded;
        try {
            decoded = URLDecoder.decode(last.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            decoded = last;
        }
        String safe = decoded.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 128) {
            safe = safe.substring(safe.length() - 128);
        }
        if (safe.isEmpty() || safe.chars().allMatch(c -> c == '.') || safe.equals(META) || safe.endsWith(PART)) {
            return "model";
        }
        return safe;
    }

    @Override
    public List<CachedModel> cached() throws IOException {
        if (!Files.isDirectory(settings.dir())) {
            return List.of();
        }
        List<CachedModel> all = new ArrayList<>();
        try (Stream<Path> folders = Files.list(settings.dir())) {
            for (Path f : folders.filter(Files::isDirectory).toList()) {
                CachedModel c = read(f);
                if (c != null && Files.isRegularFile(c.file())) {
                    all.add(c);
                }
            }
        }
        all.sort(Comparator.comparing(CachedModel::source));
        return all;
    }

    /** The folder's complete file, or null when it holds none (or its record cannot be read). */
    private static CachedModel read(Path folder) {
        Path meta = folder.resolve(META);
        if (!Files.isRegularFile(meta)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
            return new CachedModel(p.getProperty("source"), folder.resolve(p.getProperty("file")),
                    Long.parseLong(p.getProperty("bytes")), p.getProperty("sha256"), Instant.parse(p.getProperty("fetched")));
        } catch (IOException | RuntimeException e) {
            return null; // a torn or foreign record: the file is fetched again
        }
    }

    private static void hash(Path file, long length, MessageDigest md) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[BUFFER];
            long left = length;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                md.update(buf, 0, n);
                left -= n;
            }
        }
    }

    static String sha256(Path file) throws IOException, InterruptedException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("stopped while checking " + file);
                }
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException("this JVM has no SHA-256", e));
        }
    }
}
