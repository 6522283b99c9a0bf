package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.realtime.RealtimeEndpoints;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock automerge-repo client in headless Debian Chromium (driven by playwright-core) and one in
 * Node, syncing documents both ways through the node. Chromium must be installed under CI
 * ({@code apt-get install -y chromium}); elsewhere the test is skipped without it.
 */
class BrowserInteropTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;

    @Test
    void browserAndNodeClientsSyncThroughTheNode() throws Exception {
        NodeScripts.requireInstalled();
        boolean present = Files.isExecutable(CHROMIUM);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            if (!present) Assertions.fail("CI must install chromium (apt-get install -y chromium)");
        } else {
            Assumptions.assumeTrue(present, "no " + CHROMIUM + ": browser test skipped");
        }
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(dir).with("realtime.access", "open"))
                .webSockets(RealtimeEndpoints::create).start()) {
            String url = "ws://127.0.0.1:" + node.ports().http() + AutomergeRepoEndpoint.DEFAULT_PATH;
            NodeScripts.Result r = NodeScripts.runOk(120, "browser-test.mjs", url, CHROMIUM.toString());
            assertThat(r.lines("OK ")).extracting(l -> l.split(" ")[1])
                    .containsExactly("browser-to-node-and-back", "node-to-browser-and-back");
        }
    }
}
