package org.elohim.node.docs;

/**
 * A position in one node's stream (DESIGN §4): the epoch names this life of the log (a restore
 * from backup starts a new one), seq is the last event seen in it (0 = nothing yet).
 */
public record StreamPosition(long epoch, long seq) {
    public static StreamPosition start(long epoch) {
        return new StreamPosition(epoch, 0);
    }
}
