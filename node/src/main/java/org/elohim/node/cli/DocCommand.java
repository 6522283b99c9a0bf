package org.elohim.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.elohim.node.reach.Reach;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code doc put|get|ls}: read and write documents by hand, as the node's operator. */
@Command(name = "doc", mixinStandardHelpOptions = true, description = "Read and write documents (as the node's operator).",
        subcommands = {DocCommand.Put.class, DocCommand.Get.class, DocCommand.Ls.class})
final class DocCommand implements Runnable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long MAX_JSON_FILE = 8L << 20;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Reach reach(String s) {
        return Reach.parse(s).orElseThrow(() -> new CliException(ExitCodes.USAGE,
                "unknown reach \"" + s + "\"; use private, family, community or commons"));
    }

    static void print(PrintWriter out, Object value) {
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILURE, e.getMessage());
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Write fields at the root of a document (creating it with --owner/--reach if new).")
    static final class Put implements Callable<Integer> {
        @Mixin
        DataDirOptions options;

        @Parameters(index = "0", paramLabel = "ID", description = "Document id.")
        String id;

        @Option(names = "--owner", required = true, paramLabel = "NAME", description = "Owner of the document if it is new.")
        String owner;

        @Option(names = "--reach", defaultValue = "private", paramLabel = "LEVEL",
                description = "private, family, community or commons, if the document is new (default ${DEFAULT-VALUE}).")
        String reach;

        @Option(names = "--json", paramLabel = "FILE", description = "A JSON object whose fields are written ('-' = stdin).")
        Path jsonFile;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "Set one field; VALUE is parsed as JSON if it can be (42, true, {\"a\":1}), else taken as text.")
        Map<String, String> sets = new java.util.LinkedHashMap<>();

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            ObjectNode content = JSON.createObjectNode();
            if (jsonFile != null) {
                byte[] bytes = jsonFile.toString().equals("-") ? System.in.readNBytes((int) MAX_JSON_FILE + 1)
                        : readBounded(jsonFile);
                if (bytes.length > MAX_JSON_FILE) throw new CliException(ExitCodes.USAGE, "JSON larger than 8 MiB");
                JsonNode n;
                try {
                    n = JSON.readTree(bytes);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "not valid JSON: " + e.getMessage());
                }
                if (n == null || !n.isObject()) throw new CliException(ExitCodes.USAGE, "--json must hold a JSON object");
                content.setAll((ObjectNode) n);
            }
            for (Map.Entry<String, String> e : sets.entrySet()) content.set(e.getKey(), value(e.getValue()));
            if (content.isEmpty()) throw new CliException(ExitCodes.USAGE, "nothing to write: give --json FILE or --set KEY=VALUE");
            try (AdminClient admin = AdminClient.openOrCreate(options.load(Map.of()))) {
                print(spec.commandLine().getOut(), admin.putDocument(id, owner, DocCommand.reach(reach), content));
            }
            return ExitCodes.OK;
        }

        private static byte[] readBounded(Path p) throws IOException {
            if (Files.size(p) > MAX_JSON_FILE) throw new CliException(ExitCodes.USAGE, p + " is larger than 8 MiB");
            return Files.readAllBytes(p);
        }

        static JsonNode value(String raw) {
            try {
                JsonNode n = JSON.readTree(raw);
                if (n != null && !n.isMissingNode()) return n;
            } catch (IOException notJson) {
                // plain text
            }
            return JSON.getNodeFactory().textNode(raw);
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a document as JSON (exit 3 if absent).")
    static final class Get implements Callable<Integer> {
        @Mixin
        DataDirOptions options;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--content-only", description = "Print only the document's content, without metadata.")
        boolean contentOnly;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (AdminClient admin = AdminClient.open(options.load(Map.of()))) {
                Optional<Map<String, Object>> doc = admin.getDocument(id);
                if (doc.isEmpty()) {
                    spec.commandLine().getErr().println("no document " + id);
                    return ExitCodes.NOT_FOUND;
                }
                print(spec.commandLine().getOut(), contentOnly ? doc.get().get("content") : doc.get());
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List documents (id, owner, reach, size).")
    static final class Ls implements Callable<Integer> {
        @Mixin
        DataDirOptions options;

        @Option(names = "--reach", paramLabel = "LEVEL")
        String reach;

        @Option(names = "--owner", paramLabel = "NAME")
        String owner;

        @Option(names = "--limit", defaultValue = "100", paramLabel = "N")
        int limit;

        @Option(names = "--after", paramLabel = "ID", description = "List ids after this one (paging).")
        String after;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1 || limit > 1000) throw new CliException(ExitCodes.USAGE, "--limit must be 1..1000");
            try (AdminClient admin = AdminClient.open(options.load(Map.of()))) {
                Map<String, Object> page = admin.listDocuments(after, limit,
                        reach == null ? Optional.empty() : Optional.of(DocCommand.reach(reach)), Optional.ofNullable(owner));
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    print(out, page);
                    return ExitCodes.OK;
                }
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> docs = (List<Map<String, Object>>) page.get("documents");
                for (Map<String, Object> d : docs) {
                    out.printf("%-40s %-16s %-9s %8s B%n", d.get("docId"), d.get("owner"), d.get("reach"), d.get("sizeBytes"));
                }
                if (page.get("next") != null) out.println("(more: --after " + page.get("next") + ")");
                return ExitCodes.OK;
            }
        }
    }
}
