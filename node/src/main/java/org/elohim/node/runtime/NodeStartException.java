package org.elohim.node.runtime;

/** The node could not start (data dir held by another node, port in use, unreadable files...). */
public final class NodeStartException extends RuntimeException {
    private final String suggestedOptions;

    public NodeStartException(String message) {
        this(message, "");
    }

    /** {@code suggestedOptions}: run options that would avoid the failure (e.g. free ports), or "". */
    public NodeStartException(String message, String suggestedOptions) {
        super(message);
        this.suggestedOptions = suggestedOptions;
    }

    public NodeStartException(String message, Throwable cause) {
        super(message, cause);
        this.suggestedOptions = "";
    }

    public String suggestedOptions() {
        return suggestedOptions;
    }
}
