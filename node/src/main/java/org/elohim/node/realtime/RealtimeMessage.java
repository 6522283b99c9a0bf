package org.elohim.node.realtime;

import java.util.List;

/** Client messages of the spec's {@code /ws} JSON protocol. */
public sealed interface RealtimeMessage {

    /** {@code {"type":"subscribe","doc_ids":[...]}} */
    record Subscribe(List<String> docIds) implements RealtimeMessage {
    }

    /** {@code {"type":"unsubscribe","doc_ids":[...]}} */
    record Unsubscribe(List<String> docIds) implements RealtimeMessage {
    }

    /** {@code {"type":"change","doc_id":"...","changes":"<base64 of encoded Automerge changes>"}} */
    record Change(String docId, byte[] changes) implements RealtimeMessage {
    }
}
