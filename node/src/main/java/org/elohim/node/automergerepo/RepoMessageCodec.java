package org.elohim.node.automergerepo;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.elohim.node.automergerepo.RepoMessage.DocUnavailable;
import org.elohim.node.automergerepo.RepoMessage.Ephemeral;
import org.elohim.node.automergerepo.RepoMessage.HeadsAt;
import org.elohim.node.automergerepo.RepoMessage.Join;
import org.elohim.node.automergerepo.RepoMessage.Peer;
import org.elohim.node.automergerepo.RepoMessage.PeerMetadata;
import org.elohim.node.automergerepo.RepoMessage.RemoteHeadsChanged;
import org.elohim.node.automergerepo.RepoMessage.RemoteSubscriptionChange;
import org.elohim.node.automergerepo.RepoMessage.Request;
import org.elohim.node.automergerepo.RepoMessage.Sync;
import org.elohim.node.automergerepo.RepoMessage.Unknown;
import org.elohim.node.automergerepo.RepoProtocolException.Reason;

/**
 * Bytes in, records out (and back) for automerge-repo's CBOR frames. Pure and thread-safe.
 *
 * <p>Peers encode with cbor-x: maps with text keys, {@code data} as byte strings, JS
 * {@code undefined} as CBOR simple value 23 (read here as absent). Integers that do not fit in 32
 * bits (timestamps) are written as float64, because cbor-x turns 64-bit integers into BigInt.
 */
public final class RepoMessageCodec {
    public static final int DEFAULT_MAX_FRAME_BYTES = 32 * 1024 * 1024;
    private static final int MAX_DEPTH = 16;
    private static final long MAX_UINT32 = 0xffff_ffffL;

    private final CBORFactory factory;
    private final int maxFrameBytes;

    public RepoMessageCodec(int maxFrameBytes) {
        if (maxFrameBytes <= 0) throw new IllegalArgumentException("maxFrameBytes must be positive");
        this.maxFrameBytes = maxFrameBytes;
        CBORFactory f = new CBORFactory();
        f.setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1)
                .maxStringLength(maxFrameBytes).build());
        this.factory = f;
    }

    public RepoMessageCodec() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    // ---------------------------------------------------------------- decoding

    public RepoMessage decode(byte[] frame) throws RepoProtocolException {
        if (frame.length > maxFrameBytes) {
            throw new RepoProtocolException(Reason.TOO_LARGE,
                    "frame of " + frame.length + " bytes exceeds the limit of " + maxFrameBytes);
        }
        Object value = decodeValue(frame);
        if (!(value instanceof Map<?, ?> raw)) throw invalid("frame is not a CBOR map");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) raw;
        String type = string(m, "type", true);
        String sender = string(m, "senderId", "join".equals(type));
        switch (type) {
            case "join":
                return new Join(sender, metadata(m.get("peerMetadata")), stringList(m, "supportedProtocolVersions"));
            case "peer":
                return new Peer(sender, string(m, "targetId", false), metadata(m.get("peerMetadata")),
                        string(m, "selectedProtocolVersion", false));
            case "error":
                return new RepoMessage.Error(sender, string(m, "targetId", false), string(m, "message", false));
            case "sync":
                return new Sync(need(sender, "senderId"), string(m, "targetId", false),
                        string(m, "documentId", true), bytes(m, "data", true));
            case "request":
                return new Request(need(sender, "senderId"), string(m, "targetId", false),
                        string(m, "documentId", true), bytes(m, "data", true));
            case "doc-unavailable":
                return new DocUnavailable(need(sender, "senderId"), string(m, "targetId", false),
                        string(m, "documentId", true));
            case "ephemeral":
                return new Ephemeral(need(sender, "senderId"), string(m, "targetId", false),
                        string(m, "documentId", true), integer(m, "count"), string(m, "sessionId", true),
                        bytes(m, "data", true));
            case "remote-subscription-change":
                return new RemoteSubscriptionChange(need(sender, "senderId"), string(m, "targetId", false),
                        stringList(m, "add"), stringList(m, "remove"));
            case "remote-heads-changed":
                return new RemoteHeadsChanged(need(sender, "senderId"), string(m, "targetId", false),
                        string(m, "documentId", true), newHeads(m.get("newHeads")));
            default:
                return new Unknown(type, sender);
        }
    }

    private Object decodeValue(byte[] frame) throws RepoProtocolException {
        try (JsonParser p = factory.createParser(frame)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new RepoProtocolException(Reason.MALFORMED_CBOR, "empty frame");
            Object v = readValue(p, t, 0);
            if (p.nextToken() != null) throw new RepoProtocolException(Reason.MALFORMED_CBOR, "trailing bytes after the message");
            return v;
        } catch (RepoProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String detail = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
                    : e.getMessage();
            throw new RepoProtocolException(Reason.MALFORMED_CBOR, "malformed CBOR: " + detail, e);
        }
    }

    /** Generic CBOR value: Map, List, String, byte[], Long/BigInteger, Double, Boolean, or null (null/undefined). */
    private Object readValue(JsonParser p, JsonToken t, int depth) throws IOException, RepoProtocolException {
        if (depth > MAX_DEPTH) throw new RepoProtocolException(Reason.MALFORMED_CBOR, "nested too deep");
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    if (k != JsonToken.FIELD_NAME) throw new RepoProtocolException(Reason.MALFORMED_CBOR, "bad map key");
                    String name = p.currentName();
                    Object v = readValue(p, p.nextToken(), depth + 1);
                    if (v != null) m.put(name, v); // undefined/null == absent
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    if (e == null) throw new RepoProtocolException(Reason.MALFORMED_CBOR, "truncated array");
                    l.add(readValue(p, e, depth + 1));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_EMBEDDED_OBJECT: {
                Object o = p.getEmbeddedObject();
                if (o instanceof byte[] b) return b;
                return o == null ? null : o.toString();
            }
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new RepoProtocolException(Reason.MALFORMED_CBOR, "unexpected CBOR item " + t);
        }
    }

    private static RepoProtocolException invalid(String why) {
        return new RepoProtocolException(Reason.INVALID_MESSAGE, why);
    }

    private static String need(String v, String field) throws RepoProtocolException {
        if (v == null) throw invalid("missing " + field);
        return v;
    }

    private static String string(Map<String, Object> m, String field, boolean required) throws RepoProtocolException {
        Object v = m.get(field);
        if (v == null) {
            if (required) throw invalid("missing " + field);
            return null;
        }
        if (!(v instanceof String s)) throw invalid(field + " is not a text string");
        return s;
    }

    private static byte[] bytes(Map<String, Object> m, String field, boolean required) throws RepoProtocolException {
        Object v = m.get(field);
        if (v == null) {
            if (required) throw invalid("missing " + field);
            return null;
        }
        if (!(v instanceof byte[] b)) throw invalid(field + " is not a byte string");
        return b;
    }

    private static long integer(Map<String, Object> m, String field) throws RepoProtocolException {
        Object v = m.get(field);
        if (v == null) throw invalid("missing " + field);
        return toLong(v, field);
    }

    private static long toLong(Object v, String field) throws RepoProtocolException {
        if (v instanceof Long l) return l;
        if (v instanceof Double d && !d.isNaN() && !d.isInfinite() && d == Math.rint(d)
                && Math.abs(d) < 0x1p63) return d.longValue();
        if (v instanceof BigInteger b && b.bitLength() < 64) return b.longValue();
        throw invalid(field + " is not an integer");
    }

    private static List<String> stringList(Map<String, Object> m, String field) throws RepoProtocolException {
        Object v = m.get(field);
        if (v == null) return null;
        if (!(v instanceof List<?> l)) throw invalid(field + " is not an array");
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (!(o instanceof String s)) throw invalid(field + " holds a non-string");
            out.add(s);
        }
        return List.copyOf(out);
    }

    private static PeerMetadata metadata(Object v) throws RepoProtocolException {
        if (v == null) return new PeerMetadata(null, null);
        if (!(v instanceof Map<?, ?> m)) throw invalid("peerMetadata is not a map");
        Object storage = m.get("storageId");
        Object eph = m.get("isEphemeral");
        if (storage != null && !(storage instanceof String)) throw invalid("storageId is not a text string");
        if (eph != null && !(eph instanceof Boolean)) throw invalid("isEphemeral is not a boolean");
        return new PeerMetadata((String) storage, (Boolean) eph);
    }

    private static Map<String, HeadsAt> newHeads(Object v) throws RepoProtocolException {
        if (!(v instanceof Map<?, ?> m)) throw invalid("newHeads is missing or not a map");
        Map<String, HeadsAt> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> entry)) throw invalid("newHeads entry is not a map");
            @SuppressWarnings("unchecked")
            Map<String, Object> em = (Map<String, Object>) entry;
            List<String> heads = stringList(em, "heads");
            if (heads == null) throw invalid("newHeads entry without heads");
            out.put(String.valueOf(e.getKey()), new HeadsAt(heads, integer(em, "timestamp")));
        }
        return out;
    }

    // ---------------------------------------------------------------- encoding

    public byte[] encode(RepoMessage message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (CBORGenerator g = factory.createGenerator(out)) {
            Map<String, Object> fields = fields(message);
            writeMap(g, fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Map<String, Object> fields(RepoMessage message) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", message.type());
        f.put("senderId", message.senderId());
        if (message instanceof Join j) {
            f.put("peerMetadata", metadataMap(j.peerMetadata()));
            f.put("supportedProtocolVersions", j.supportedProtocolVersions());
        } else if (message instanceof Peer p) {
            f.put("peerMetadata", metadataMap(p.peerMetadata()));
            f.put("selectedProtocolVersion", p.selectedProtocolVersion());
            f.put("targetId", p.targetId());
        } else if (message instanceof RepoMessage.Error e) {
            f.put("message", e.message());
            f.put("targetId", e.targetId());
        } else if (message instanceof Sync s) {
            f.put("targetId", s.targetId());
            f.put("documentId", s.documentId());
            f.put("data", s.data());
        } else if (message instanceof Request r) {
            f.put("targetId", r.targetId());
            f.put("documentId", r.documentId());
            f.put("data", r.data());
        } else if (message instanceof DocUnavailable d) {
            f.put("targetId", d.targetId());
            f.put("documentId", d.documentId());
        } else if (message instanceof Ephemeral e) {
            f.put("targetId", e.targetId());
            f.put("documentId", e.documentId());
            f.put("count", e.count());
            f.put("sessionId", e.sessionId());
            f.put("data", e.data());
        } else if (message instanceof RemoteSubscriptionChange r) {
            f.put("targetId", r.targetId());
            f.put("add", r.add());
            f.put("remove", r.remove());
        } else if (message instanceof RemoteHeadsChanged r) {
            f.put("targetId", r.targetId());
            f.put("documentId", r.documentId());
            Map<String, Object> heads = new LinkedHashMap<>();
            r.newHeads().forEach((storage, h) -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("heads", h.heads());
                e.put("timestamp", h.timestamp());
                heads.put(storage, e);
            });
            f.put("newHeads", heads);
        } else if (message instanceof Unknown) {
            // only type and senderId
        }
        f.values().removeIf(v -> v == null);
        return f;
    }

    private static Map<String, Object> metadataMap(PeerMetadata m) {
        Map<String, Object> f = new LinkedHashMap<>();
        if (m == null) return f;
        if (m.storageId() != null) f.put("storageId", m.storageId());
        if (m.isEphemeral() != null) f.put("isEphemeral", m.isEphemeral());
        return f;
    }

    private static void writeMap(CBORGenerator g, Map<String, Object> m) throws IOException {
        g.writeStartObject(m, m.size());
        for (Map.Entry<String, Object> e : m.entrySet()) {
            g.writeFieldName(e.getKey());
            writeValue(g, e.getValue());
        }
        g.writeEndObject();
    }

    @SuppressWarnings("unchecked")
    private static void writeValue(CBORGenerator g, Object v) throws IOException {
        if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof byte[] b) {
            g.writeBinary(b);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Long l) {
            // cbor-x reads 64-bit integers as BigInt; JS numbers above 2^32 travel as float64.
            if (Math.abs(l) <= MAX_UINT32) g.writeNumber((long) l);
            else g.writeNumber((double) l);
        } else if (v instanceof Map<?, ?> m) {
            writeMap(g, (Map<String, Object>) m);
        } else if (v instanceof List<?> l) {
            g.writeStartArray(l, l.size());
            for (Object o : l) writeValue(g, o);
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("cannot encode " + v);
        }
    }
}
