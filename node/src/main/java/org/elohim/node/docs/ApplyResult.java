package org.elohim.node.docs;

import java.util.List;

/** Outcome of a durable write: the document's heads after it, and the stream seq it got (0 if nothing changed). */
public record ApplyResult(String docId, List<byte[]> heads, long seq, boolean changed) {
}
