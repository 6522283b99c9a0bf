package org.elohim.node.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * JSON text in, {@link RealtimeMessage} out, and the server's messages back. Pure.
 * Server messages: {@code subscribed}, {@code change} (doc_id, changes as base64, heads as hex),
 * {@code ack} (doc_id, heads) after a client change is durably committed, and
 * {@code error} (code, message, optional doc_id).
 */
public final class RealtimeCodec {
    public static final int MAX_DOC_IDS_PER_MESSAGE = 1_000;
    private static final int MAX_DOC_ID_CHARS = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A client message that cannot be accepted; {@code code} is the error's wire code. */
    public static final class Invalid extends Exception {
        private final String code;

        public Invalid(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    public RealtimeMessage decode(String text) throws Invalid {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Invalid("malformed_json", "not valid JSON");
        }
        if (n == null || !n.isObject()) throw new Invalid("invalid_message", "a message is a JSON object");
        JsonNode type = n.get("type");
        if (type == null || !type.isTextual()) throw new Invalid("invalid_message", "missing \"type\"");
        switch (type.asText()) {
            case "subscribe":
                return new RealtimeMessage.Subscribe(docIds(n));
            case "unsubscribe":
                return new RealtimeMessage.Unsubscribe(docIds(n));
            case "change": {
                String docId = docId(n.get("doc_id"));
                JsonNode changes = n.get("changes");
                if (changes == null || !changes.isTextual()) throw new Invalid("invalid_message", "\"changes\" must be base64 text");
                try {
                    byte[] bytes = Base64.getDecoder().decode(changes.asText());
                    if (bytes.length == 0) throw new Invalid("invalid_message", "\"changes\" is empty");
                    return new RealtimeMessage.Change(docId, bytes);
                } catch (IllegalArgumentException e) {
                    throw new Invalid("invalid_message", "\"changes\" is not base64");
                }
            }
            default:
                throw new Invalid("unknown_type", "unknown message type \"" + abbreviate(type.asText()) + "\"");
        }
    }

    private static List<String> docIds(JsonNode n) throws Invalid {
        JsonNode ids = n.get("doc_ids");
        if (ids == null || !ids.isArray()) throw new Invalid("invalid_message", "\"doc_ids\" must be an array");
        if (ids.size() > MAX_DOC_IDS_PER_MESSAGE) {
            throw new Invalid("too_many", "at most " + MAX_DOC_IDS_PER_MESSAGE + " doc_ids per message");
        }
        List<String> out = new ArrayList<>(ids.size());
        for (JsonNode id : ids) out.add(docId(id));
        return List.copyOf(out);
    }

    private static String docId(JsonNode id) throws Invalid {
        if (id == null || !id.isTextual() || id.asText().isEmpty() || id.asText().length() > MAX_DOC_ID_CHARS) {
            throw new Invalid("invalid_message", "a doc_id is a non-empty string of at most " + MAX_DOC_ID_CHARS + " chars");
        }
        return id.asText();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    public String subscribed(List<String> docIds) {
        ObjectNode o = JSON.createObjectNode().put("type", "subscribed");
        ArrayNode a = o.putArray("doc_ids");
        docIds.forEach(a::add);
        return o.toString();
    }

    public String change(String docId, byte[] changes, List<byte[]> heads) {
        ObjectNode o = JSON.createObjectNode().put("type", "change").put("doc_id", docId)
                .put("changes", Base64.getEncoder().encodeToString(changes));
        hex(o.putArray("heads"), heads);
        return o.toString();
    }

    public String ack(String docId, List<byte[]> heads) {
        ObjectNode o = JSON.createObjectNode().put("type", "ack").put("doc_id", docId);
        hex(o.putArray("heads"), heads);
        return o.toString();
    }

    public String error(String code, String message, String docId) {
        ObjectNode o = JSON.createObjectNode().put("type", "error").put("code", code).put("message", message);
        if (docId != null) o.put("doc_id", docId);
        return o.toString();
    }

    private static void hex(ArrayNode a, List<byte[]> heads) {
        for (byte[] h : heads) a.add(HexFormat.of().formatHex(h));
    }
}
