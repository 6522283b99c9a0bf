package org.elohim.node.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads config.toml with Jackson's TOML parser (full TOML 1.0: single-quoted strings, dotted keys,
 * inline tables...) and flattens it to "table.key" → value, each value with the line it is on, so
 * that every error — syntax or meaning — names the file and the line.
 */
public final class TomlFile {
    /** Upper bound so a mistaken path (a log file, a database) is refused instead of parsed. */
    public static final int MAX_BYTES = 256 * 1024;

    private static final TomlMapper TOML = TomlMapper.builder().enable(TomlReadFeature.PARSE_JAVA_TIME).build();

    /** One value and the line it was read from (0 when it cannot be located). */
    public record Entry(Object value, int line) {
    }

    private final String name;
    private final String[] lines;

    private TomlFile(String name, String text) {
        this.name = name;
        this.lines = text.split("\r?\n", -1);
    }

    /**
     * Parses {@code text}; {@code name} is the file name used in error messages. Values are String,
     * Long, Boolean, Double, List of those, or a {@link java.time.temporal.Temporal} for dates.
     */
    public static Map<String, Entry> parse(String name, String text) {
        if (text.length() > MAX_BYTES) throw new ConfigException(name + " is larger than " + MAX_BYTES + " bytes");
        TomlFile file = new TomlFile(name, text);
        JsonNode root;
        try {
            root = TOML.readTree(text);
        } catch (IOException e) {
            throw file.syntaxError(e);
        } catch (RuntimeException e) {
            // the parser must never take the node down with anything but a config error
            throw new ConfigException(name + ": cannot parse: " + e.getMessage(), e);
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        if (root != null) file.flatten("", root, out);
        return Collections.unmodifiableMap(out);
    }

    private ConfigException syntaxError(IOException e) {
        String msg = e instanceof com.fasterxml.jackson.core.JacksonException j && j.getOriginalMessage() != null
                ? j.getOriginalMessage() : e.getMessage();
        JsonLocation loc = e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getLocation() : null;
        if (loc != null && loc.getLineNr() > 0) {
            return new ConfigException(name + " line " + loc.getLineNr() + " column " + loc.getColumnNr() + ": " + msg, e);
        }
        return new ConfigException(name + ": " + msg, e);
    }

    private void flatten(String prefix, JsonNode node, Map<String, Entry> out) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
            JsonNode v = f.getValue();
            if (v.isObject()) {
                flatten(key, v, out);
            } else {
                int line = lineOf(key);
                out.put(key, new Entry(value(v, key, line), line));
            }
        }
    }

    private Object value(JsonNode v, String key, int line) {
        if (v.isTextual()) return v.textValue();
        if (v.isBoolean()) return v.booleanValue();
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong()) throw at(key, line, "integer out of range: " + v.asText());
            return v.longValue();
        }
        if (v.isNumber()) return v.doubleValue();
        if (v.isArray()) {
            List<Object> items = new ArrayList<>();
            for (JsonNode item : v) {
                if (item.isObject()) throw at(key, line, "arrays of tables are not supported");
                items.add(value(item, key, line));
            }
            return Collections.unmodifiableList(items);
        }
        if (v.isPojo()) return ((com.fasterxml.jackson.databind.node.POJONode) v).getPojo();
        throw at(key, line, "unsupported value " + v);
    }

    private ConfigException at(String key, int line, String message) {
        return new ConfigException(where(line) + ": " + key + ": " + message);
    }

    /** "config.toml line 3" (or just the name when the line is unknown). */
    public String where(int line) {
        return line > 0 ? name + " line " + line : name;
    }

    private static final Pattern HEADER = Pattern.compile("^\\s*\\[\\s*([^\\[\\]]+?)\\s*\\]\\s*(#.*)?$");

    /**
     * The line that defines {@code key} ("table.key"): the TOML tree has no positions, so find
     * {@code key =} under its table header, or the dotted form at the top level. Good enough for
     * messages; 0 when not found (inline tables).
     */
    int lineOf(String fullKey) {
        String table = "";
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            var h = HEADER.matcher(line);
            if (h.matches()) {
                table = unquote(h.group(1));
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) continue;
            String k = unquote(line.substring(0, eq));
            String full = table.isEmpty() ? k : table + "." + k;
            if (full.equals(fullKey)) return i + 1;
        }
        return 0;
    }

    /** Normalizes a (possibly dotted, possibly quoted) key: {@code http . "port"} → {@code http.port}. */
    private static String unquote(String key) {
        StringBuilder sb = new StringBuilder();
        for (String part : key.trim().split("\\s*\\.\\s*")) {
            String p = part.trim();
            if (p.length() >= 2 && (p.startsWith("\"") && p.endsWith("\"") || p.startsWith("'") && p.endsWith("'"))) {
                p = p.substring(1, p.length() - 1);
            }
            if (sb.length() > 0) sb.append('.');
            sb.append(p);
        }
        return sb.toString();
    }
}
