package org.elohim.node.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.elohim.node.blobs.BlobId;
import org.elohim.node.blobs.BlobInfo;
import org.elohim.node.blobs.BlobReader;
import org.elohim.node.blobs.BlobStore;
import org.elohim.node.blobs.BlobUpload;
import org.elohim.node.blobs.BlobViews;
import org.elohim.node.reach.Reach;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code blob put|get|ls|stat}: the operator's blob store, through the running node (its local
 * admin token; bodies streamed over {@code /blobs}) or, with no node running, on the data directory.
 */
@Command(name = "blob", mixinStandardHelpOptions = true, description = "Store and fetch blobs (photos, videos, files).",
        subcommands = {BlobCommand.Put.class, BlobCommand.Get.class, BlobCommand.Ls.class, BlobCommand.Stat.class})
final class BlobCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    static final long PROGRESS_ABOVE = 8L << 20;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static BlobId id(String s) {
        return BlobId.parse(s).orElseThrow(() -> new CliException(ExitCodes.USAGE,
                "not a blob id: " + s + " (sha256-<64 hex> or a CID bafkrei...)"));
    }

    static String contentType(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Map<String, String> known = Map.of(".jpg", "image/jpeg", ".jpeg", "image/jpeg", ".png", "image/png",
                ".gif", "image/gif", ".webp", "image/webp", ".mp4", "video/mp4", ".webm", "video/webm",
                ".mov", "video/quicktime", ".wav", "audio/wav", ".pdf", "application/pdf");
        for (Map.Entry<String, String> e : known.entrySet()) if (name.endsWith(e.getKey())) return e.getValue();
        try {
            String probed = Files.probeContentType(file);
            if (probed != null) return probed;
        } catch (IOException ignored) {
            // fall through
        }
        return BlobStore.DEFAULT_CONTENT_TYPE;
    }

    /** Percent on stderr, rewritten in place, for large transfers. */
    static final class Progress {
        private final PrintWriter err;
        private final long total;
        private int shown = -1;

        Progress(PrintWriter err, long total) {
            this.err = err;
            this.total = total;
        }

        void update(long done) {
            if (total < PROGRESS_ABOVE) return;
            int pct = (int) (done * 100 / total);
            if (pct != shown) {
                shown = pct;
                err.printf("\r%3d%% of %d MiB", pct, total >> 20);
                err.flush();
                if (pct == 100) err.println();
            }
        }
    }

    static final class CountingStream extends InputStream {
        private final InputStream in;
        private final Progress progress;
        private long done;

        CountingStream(InputStream in, Progress progress) {
            this.in = in;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) progress.update(++done);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) progress.update(done += n);
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The node's HTTP with the admin token. */
    static HttpRequest.Builder request(RemoteAdminClient r, String path) {
        return HttpRequest.newBuilder(URI.create(r.base() + path)).header("Authorization", "Bearer " + r.token());
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> body) {
        try {
            return HTTP.send(req, body);
        } catch (IOException e) {
            throw new CliException(ExitCodes.NOT_RUNNING, "cannot reach the node: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILURE, "interrupted");
        }
    }

    static Map<String, Object> json(HttpResponse<byte[]> res) {
        try {
            Map<String, Object> m = JSON.readValue(res.body(), MAP);
            if (res.statusCode() == 404) throw new CliException(ExitCodes.NOT_FOUND, String.valueOf(m.get("error")));
            if (res.statusCode() >= 400) {
                throw new CliException(ExitCodes.FAILURE, "node answered " + res.statusCode() + ": " + m.get("error"));
            }
            return m;
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILURE, "unexpected answer from the node (" + res.statusCode() + ")");
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Store a file; prints its id (sha256-...).")
    static final class Put implements Callable<Integer> {
        @Mixin
        DataDirOptions options;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--owner", defaultValue = "admin", paramLabel = "NAME",
                description = "Family member the blob belongs to (default ${DEFAULT-VALUE}).")
        String owner;

        @Option(names = "--reach", defaultValue = "private", paramLabel = "LEVEL",
                description = "Who may read it while no document references it: private, family, community, commons"
                        + " (default ${DEFAULT-VALUE}).")
        String reach;

        @Option(names = "--type", paramLabel = "MIME", description = "Content type (default: from the file name).")
        String type;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) throw new CliException(ExitCodes.USAGE, "no such file: " + file);
            Reach level = DocCommand.reach(reach);
            String mime = type != null ? type : contentType(file);
            long size = Files.size(file);
            Progress progress = new Progress(spec.commandLine().getErr(), size);
            Map<String, Object> result;
            try (AdminClient admin = AdminClient.openOrCreate(options.load(Map.of()))) {
                if (admin instanceof RemoteAdminClient r) {
                    String q = "/blobs?owner=" + enc(owner) + "&reach=" + level.wireName();
                    HttpRequest req = request(r, q).header("Content-Type", mime)
                            .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                                try {
                                    return new CountingStream(Files.newInputStream(file), progress);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            }), size)).build();
                    result = json(send(req, HttpResponse.BodyHandlers.ofByteArray()));
                } else {
                    BlobStore store = ((LocalAdminClient) admin).storage().blobs();
                    BlobInfo info;
                    try (BlobUpload u = store.beginUpload(owner, Optional.empty(), size, mime, level);
                         InputStream in = Files.newInputStream(file)) {
                        byte[] buf = new byte[256 * 1024];
                        long off = 0;
                        for (int n; (n = in.read(buf)) > 0; off += n) {
                            u.write(off, buf, 0, n);
                            progress.update(off + n);
                        }
                        info = u.finish();
                    }
                    result = BlobViews.summary(info);
                    result.put("hash", info.id().toString());
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(result.get("hash"));
            spec.commandLine().getErr().printf("stored %s (%s, %s bytes, %s); CID %s%n", file.getFileName(), mime,
                    result.get("size"), level.wireName(), result.get("cid"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Write a blob to a file or stdout (exit 3 if absent).")
    static final class Get implements Callable<Integer> {
        @Mixin
        DataDirOptions options;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of stdout.")
        Path output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            BlobId blob = id(id);
            try (AdminClient admin = AdminClient.open(options.load(Map.of()))) {
                if (admin instanceof RemoteAdminClient r) {
                    HttpResponse<InputStream> res = send(request(r, "/blobs/" + blob).GET().build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    try (InputStream in = res.body()) {
                        if (res.statusCode() == 404) return notFound();
                        if (res.statusCode() != 200) throw new CliException(ExitCodes.FAILURE, "node answered " + res.statusCode());
                        long size = res.headers().firstValueAsLong("content-length").orElse(-1);
                        copy(new CountingStream(in, new Progress(spec.commandLine().getErr(), size)));
                    }
                } else {
                    Optional<BlobReader> reader = ((LocalAdminClient) admin).storage().blobs().open(blob);
                    if (reader.isEmpty()) return notFound();
                    try (InputStream in = reader.get().stream(0, Long.MAX_VALUE)) {
                        copy(new CountingStream(in, new Progress(spec.commandLine().getErr(), reader.get().size())));
                    }
                }
            }
            return ExitCodes.OK;
        }

        private int notFound() {
            spec.commandLine().getErr().println("no blob " + id);
            return ExitCodes.NOT_FOUND;
        }

        private void copy(InputStream in) throws IOException {
            if (output == null) {
                OutputStream out = System.out;
                in.transferTo(out);
                out.flush();
            } else {
                Path tmp = output.resolveSibling(output.getFileName() + ".part");
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    in.transferTo(out);
                }
                Files.move(tmp, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List blobs (id, size, content type, owners).")
    static final class Ls implements Callable<Integer> {
        @Mixin
        DataDirOptions options;

        @Option(names = "--after", paramLabel = "ID")
        String after;

        @Option(names = "--limit", defaultValue = "100", paramLabel = "N")
        int limit;

        @Option(names = "--json")
        boolean json;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 1000) throw new CliException(ExitCodes.USAGE, "--limit must be 1..1000");
            Map<String, Object> page;
            try (AdminClient admin = AdminClient.open(options.load(Map.of()))) {
                if (admin instanceof RemoteAdminClient r) {
                    String q = "/admin/blobs?limit=" + limit + (after == null ? "" : "&after=" + enc(after));
                    page = json(send(request(r, q).GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
                } else {
                    page = BlobViews.page(((LocalAdminClient) admin).storage().blobs(), after, limit);
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                DocCommand.print(out, page);
                return ExitCodes.OK;
            }
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> blobs = (List<Map<String, Object>>) page.get("blobs");
            for (Map<String, Object> b : blobs) {
                out.printf("%s  %12s  %-24s  %s%n", b.get("id"), b.get("size"), b.get("contentType"), b.get("owners"));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true, description = "Details of a blob as JSON (exit 3 if absent).")
    static final class Stat implements Callable<Integer> {
        @Mixin
        DataDirOptions options;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            BlobId blob = id(id);
            Map<String, Object> stat;
            try (AdminClient admin = AdminClient.open(options.load(Map.of()))) {
                if (admin instanceof RemoteAdminClient r) {
                    HttpResponse<byte[]> res = send(request(r, "/admin/blobs/" + blob).GET().build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (res.statusCode() == 404) return notFound();
                    stat = json(res);
                } else {
                    BlobStore store = ((LocalAdminClient) admin).storage().blobs();
                    Optional<BlobInfo> info = store.info(blob);
                    if (info.isEmpty()) return notFound();
                    stat = BlobViews.stat(store, info.get());
                }
            }
            DocCommand.print(spec.commandLine().getOut(), stat);
            return ExitCodes.OK;
        }

        private int notFound() {
            spec.commandLine().getErr().println("no blob " + id);
            return ExitCodes.NOT_FOUND;
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
