package org.elohim.node.runtime;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes what was opened, last first; one failure does not stop the rest. */
final class Closer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Closer.class);
    private final Deque<Named> stack = new ArrayDeque<>();

    private record Named(String name, AutoCloseable resource) {
    }

    <T extends AutoCloseable> T add(String name, T resource) {
        stack.push(new Named(name, resource));
        return resource;
    }

    @Override
    public void close() {
        while (!stack.isEmpty()) {
            Named n = stack.pop();
            try {
                n.resource().close();
            } catch (Exception | Error e) {
                log.warn("closing {} failed", n.name(), e);
            }
        }
    }
}
