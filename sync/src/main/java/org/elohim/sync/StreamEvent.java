package org.elohim.sync;

import java.util.List;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.Reach;

/**
 * One event of a stream: document {@code docId} has {@code heads} as of {@code seq}; with the
 * document's current reach and owner, so the policy can filter the event without another read.
 */
public record StreamEvent(long seq, String docId, List<byte[]> heads, EventKind kind, long timestampMillis,
                          Reach reach, String owner) {
    public StreamEvent {
        heads = List.copyOf(heads);
    }

    DocState doc() {
        return new DocState(docId, heads, reach, owner);
    }
}
