package org.elohim.node.automergerepo;

import java.io.IOException;

/** Lets tests in other packages run the interop scenarios. */
public final class NodeScriptsAccess {
    private NodeScriptsAccess() {
    }

    public static void requireInstalled() {
        NodeScripts.requireInstalled();
    }

    public static String runOk(long timeoutSeconds, String script, String... args) throws IOException, InterruptedException {
        return NodeScripts.runOk(timeoutSeconds, script, args).stdout();
    }
}
