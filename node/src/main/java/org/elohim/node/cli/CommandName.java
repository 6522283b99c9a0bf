package org.elohim.node.cli;

/**
 * What the user typed to run the CLI ({@code ./elohim}, {@code elohim}), so that messages name a
 * command that works when pasted. The launcher script passes it in {@code ELOHIM_COMMAND}.
 */
final class CommandName {
    static final String ENV = "ELOHIM_COMMAND";

    private CommandName() {
    }

    static String get() {
        String n = System.getenv(ENV);
        return n == null || n.isBlank() || n.length() > 200 ? "elohim" : n.trim();
    }
}
