package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the pinned automerge-repo scenarios in interop/automerge with Node. Without node_modules
 * the interop tests fail under CI (CI=true) and are skipped on a developer machine.
 */
final class NodeScripts {
    record Result(int exitCode, String stdout, String stderr) {
        List<String> lines(String prefix) {
            return stdout.lines().filter(l -> l.startsWith(prefix)).toList();
        }

        String value(String prefix) {
            return lines(prefix + " ").stream().findFirst().map(l -> l.substring(prefix.length() + 1).trim())
                    .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + stdout + "\n" + stderr));
        }
    }

    static final Path DIR = locate();

    private NodeScripts() {
    }

    private static Path locate() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("interop").resolve("automerge");
            if (Files.isRegularFile(d.resolve("package.json"))) return d;
        }
        return Path.of("..", "interop", "automerge").toAbsolutePath();
    }

    static void requireInstalled() {
        boolean installed = Files.isDirectory(DIR.resolve("node_modules").resolve("@automerge").resolve("automerge-repo"));
        String message = "interop/automerge/node_modules is missing: run `npm ci` in " + DIR;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            if (!installed) Assertions.fail(message);
        } else {
            Assumptions.assumeTrue(installed, message);
        }
    }

    static Result run(long timeoutSeconds, String script, String... args) throws IOException, InterruptedException {
        requireInstalled();
        List<String> cmd = new ArrayList<>(List.of("node", script));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("interop-out", ".txt");
        Path err = Files.createTempFile("interop-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    Assertions.fail(script + " did not finish in " + timeoutSeconds + " s; output:\n"
                            + Files.readString(out) + "\n" + Files.readString(err));
                }
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                if (p.isAlive()) p.destroyForcibly();
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Result runOk(long timeoutSeconds, String script, String... args) throws IOException, InterruptedException {
        Result r = run(timeoutSeconds, script, args);
        assertThat(r.exitCode()).as("%s failed:\n%s\n%s", script, r.stdout(), r.stderr()).isZero();
        assertThat(r.stdout()).contains("DONE");
        return r;
    }
}
