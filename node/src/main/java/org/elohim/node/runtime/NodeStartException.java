package org.elohim.node.runtime;

/** The node could not start (data dir held by another node, port in use, unreadable files...). */
public final class NodeStartException extends RuntimeException {
    public NodeStartException(String message) {
        super(message);
    }

    public NodeStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
