package org.elohim.node.http;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.StreamPosition;

/** JSON shapes shared by the HTTP API and the CLI. 64-bit epochs are hex strings (JSON numbers lose them). */
public final class JsonViews {
    private static final HexFormat HEX = HexFormat.of();

    private JsonViews() {
    }

    public static Map<String, Object> position(StreamPosition p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch(p.epoch()));
        m.put("seq", p.seq());
        return m;
    }

    public static String epoch(long epoch) {
        return String.format("%016x", epoch);
    }

    public static List<String> heads(List<byte[]> heads) {
        return heads.stream().map(HEX::formatHex).toList();
    }

    public static Map<String, Object> document(DocumentInfo d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("docId", d.docId());
        m.put("owner", d.owner());
        m.put("reach", d.reach() == null ? null : d.reach().wireName());
        m.put("updatedAtMillis", d.updatedAtMillis());
        m.put("sizeBytes", d.sizeBytes());
        m.put("heads", heads(d.heads()));
        return m;
    }
}
