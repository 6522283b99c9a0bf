package org.elohim.node.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Read;
import org.automerge.Transaction;

/**
 * The JSON view of an Automerge document (for {@code doc get}, the admin API) and the reverse:
 * writing a JSON object into a document's root. Strings are written as Automerge text
 * (DESIGN §5: scalar strings surface in JS as ImmutableString).
 */
public final class AutomergeJson {
    /** Deeper documents are cut with a marker instead of recursing without bound. */
    public static final int MAX_DEPTH = 64;

    private AutomergeJson() {
    }

    /** The document's root as plain Java values (Map, List, String, Long, Double, Boolean, null). */
    public static Map<String, Object> toJson(Read doc) {
        return map(doc, ObjectId.ROOT, 0);
    }

    private static Map<String, Object> map(Read doc, ObjectId obj, int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : doc.keys(obj).orElse(new String[0])) {
            Optional<AmValue> v = doc.get(obj, key);
            out.put(key, v.isEmpty() ? null : value(doc, v.get(), depth + 1));
        }
        return out;
    }

    private static Object value(Read doc, AmValue v, int depth) {
        if (depth > MAX_DEPTH) return "(nested deeper than " + MAX_DEPTH + ")";
        if (v instanceof AmValue.Map m) return map(doc, m.getId(), depth);
        if (v instanceof AmValue.List l) {
            List<Object> items = new ArrayList<>();
            for (AmValue item : doc.listItems(l.getId()).orElse(new AmValue[0])) items.add(value(doc, item, depth + 1));
            return items;
        }
        if (v instanceof AmValue.Text t) return doc.text(t.getId()).orElse("");
        if (v instanceof AmValue.Str s) return s.getValue();
        if (v instanceof AmValue.Int i) return i.getValue();
        if (v instanceof AmValue.UInt u) return u.getValue();
        if (v instanceof AmValue.F64 f) return f.getValue();
        if (v instanceof AmValue.Bool b) return b.getValue();
        if (v instanceof AmValue.Counter c) return c.getValue();
        if (v instanceof AmValue.Timestamp ts) return ts.getValue().toInstant().toString();
        if (v instanceof AmValue.Bytes b) return Base64.getEncoder().encodeToString(b.getValue());
        return null;
    }

    /** Sets every field of {@code object} (a JSON object) at the document root, inside {@code tx}. */
    public static void writeRoot(Transaction tx, JsonNode object) {
        if (object == null || !object.isObject()) throw new IllegalArgumentException("document content must be a JSON object");
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            put(tx, ObjectId.ROOT, f.getKey(), f.getValue(), 1);
        }
    }

    private static void put(Transaction tx, ObjectId obj, String key, JsonNode v, int depth) {
        checkDepth(depth);
        if (v.isTextual()) {
            ObjectId text = tx.set(obj, key, ObjectType.TEXT);
            tx.spliceText(text, 0, 0, v.asText());
        } else if (v.isBoolean()) {
            tx.set(obj, key, v.asBoolean());
        } else if (v.isIntegralNumber() && v.canConvertToInt()) {
            // Automerge 0.0.7 traps: NewValue.integer(long) stores a float, setUint keeps only the low
            // 32 bits. Only the int overload stores an exact integer; larger ones go as doubles below
            // (exact up to 2^53, as in JavaScript).
            tx.set(obj, key, v.asInt());
        } else if (v.isNumber()) {
            tx.set(obj, key, v.asDouble());
        } else if (v.isNull() || v.isMissingNode()) {
            tx.setNull(obj, key);
        } else if (v.isObject()) {
            ObjectId child = tx.set(obj, key, ObjectType.MAP);
            Iterator<Map.Entry<String, JsonNode>> fields = v.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                put(tx, child, f.getKey(), f.getValue(), depth + 1);
            }
        } else if (v.isArray()) {
            ObjectId list = tx.set(obj, key, ObjectType.LIST);
            for (int i = 0; i < v.size(); i++) insert(tx, list, i, v.get(i), depth + 1);
        } else {
            throw new IllegalArgumentException("unsupported JSON value at " + key);
        }
    }

    private static void insert(Transaction tx, ObjectId list, long index, JsonNode v, int depth) {
        checkDepth(depth);
        if (v.isTextual()) {
            ObjectId text = tx.insert(list, index, ObjectType.TEXT);
            tx.spliceText(text, 0, 0, v.asText());
        } else if (v.isBoolean()) {
            tx.insert(list, index, v.asBoolean());
        } else if (v.isIntegralNumber() && v.canConvertToInt()) {
            tx.insert(list, index, v.asInt()); // see put(): larger integers go as doubles
        } else if (v.isNumber()) {
            tx.insert(list, index, v.asDouble());
        } else if (v.isNull()) {
            tx.insertNull(list, index);
        } else if (v.isObject()) {
            ObjectId child = tx.insert(list, index, ObjectType.MAP);
            Iterator<Map.Entry<String, JsonNode>> fields = v.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                put(tx, child, f.getKey(), f.getValue(), depth + 1);
            }
        } else if (v.isArray()) {
            ObjectId child = tx.insert(list, index, ObjectType.LIST);
            for (int i = 0; i < v.size(); i++) insert(tx, child, i, v.get(i), depth + 1);
        } else {
            throw new IllegalArgumentException("unsupported JSON value in a list");
        }
    }

    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH);
    }
}
