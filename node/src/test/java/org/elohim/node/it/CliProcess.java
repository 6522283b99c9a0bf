package org.elohim.node.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the CLI ({@code org.elohim.node.cli.Main}) as a real child JVM, as a user's shell would. */
final class CliProcess {
    record Result(int code, String out, String err) {
    }

    private CliProcess() {
    }

    static ProcessBuilder builder(Path workDir, Map<String, String> env, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", cp, "org.elohim.node.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().remove("ELOHIM_DATA_DIR");
        pb.environment().remove("ELOHIM_COMMAND");
        pb.environment().putAll(env);
        return pb;
    }

    /** Starts the command with its output going to files in {@code workDir} (no pipe can fill up). */
    static Process start(Path workDir, String name, Map<String, String> env, String... args) throws IOException {
        return builder(workDir, env, args)
                .redirectOutput(workDir.resolve(name + ".out").toFile())
                .redirectError(workDir.resolve(name + ".err").toFile()).start();
    }

    static Result finish(Process p, Path workDir, String name) throws IOException, InterruptedException {
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " did not finish: " + Files.readString(workDir.resolve(name + ".err")));
        }
        return new Result(p.exitValue(), Files.readString(workDir.resolve(name + ".out"), StandardCharsets.UTF_8),
                Files.readString(workDir.resolve(name + ".err"), StandardCharsets.UTF_8));
    }

    static Result run(Path workDir, String name, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return finish(start(workDir, name, env, args), workDir, name);
    }
}
