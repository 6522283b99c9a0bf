package org.elohim.node.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict parser for the TOML subset config.toml uses: comments, {@code [table]} headers (one
 * level), and {@code key = value} where value is a basic string, an integer, a boolean or a
 * one-line array of those. Anything else is rejected with its line number, never guessed at.
 * Keys are returned as "table.key" ("key" for keys before the first table).
 */
public final class Toml {
    /** Upper bound so a mistaken path (a log file, a database) is refused instead of parsed. */
    public static final int MAX_BYTES = 256 * 1024;

    private Toml() {
    }

    public static Map<String, Object> parse(String text) {
        if (text.length() > MAX_BYTES) throw new ConfigException("config.toml is larger than " + MAX_BYTES + " bytes");
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> tables = new ArrayList<>();
        String table = "";
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = stripComment(lines[i], lineNo).trim();
            if (line.isEmpty()) continue;
            if (line.startsWith("[")) {
                if (!line.endsWith("]") || line.startsWith("[[")) throw error(lineNo, "malformed table header");
                String name = line.substring(1, line.length() - 1).trim();
                if (!isBareKey(name)) throw error(lineNo, "table name must be a bare key: " + name);
                if (tables.contains(name)) throw error(lineNo, "table [" + name + "] defined twice");
                tables.add(name);
                table = name;
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) throw error(lineNo, "expected key = value");
            String key = line.substring(0, eq).trim();
            if (!isBareKey(key)) throw error(lineNo, "key must be a bare key (A-Za-z0-9_-): " + key);
            String full = table.isEmpty() ? key : table + "." + key;
            if (out.containsKey(full)) throw error(lineNo, "key " + full + " defined twice");
            out.put(full, parseValue(line.substring(eq + 1).trim(), lineNo));
        }
        return Collections.unmodifiableMap(out);
    }

    private static boolean isBareKey(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && c != '_' && c != '-') return false;
        }
        return true;
    }

    /** Removes a trailing # comment that is not inside a string. */
    private static String stripComment(String line, int lineNo) {
        boolean inString = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '#') {
                return line.substring(0, i);
            }
        }
        if (inString) throw error(lineNo, "unterminated string");
        return line;
    }

    private static Object parseValue(String v, int lineNo) {
        if (v.isEmpty()) throw error(lineNo, "missing value");
        if (v.startsWith("[")) {
            if (!v.endsWith("]")) throw error(lineNo, "arrays must be on one line");
            List<Object> items = new ArrayList<>();
            for (String part : splitArray(v.substring(1, v.length() - 1), lineNo)) {
                Object item = parseValue(part, lineNo);
                if (item instanceof List) throw error(lineNo, "nested arrays are not supported");
                items.add(item);
            }
            return Collections.unmodifiableList(items);
        }
        if (v.startsWith("\"")) return parseString(v, lineNo);
        if (v.equals("true")) return Boolean.TRUE;
        if (v.equals("false")) return Boolean.FALSE;
        String digits = v.replace("_", "");
        if (digits.matches("[+-]?[0-9]+")) {
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error(lineNo, "integer out of range: " + v);
            }
        }
        throw error(lineNo, "unsupported value (use \"string\", integer, true/false or [..]): " + v);
    }

    private static List<String> splitArray(String body, int lineNo) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (inString) {
                cur.append(c);
                if (c == '\\' && i + 1 < body.length()) cur.append(body.charAt(++i));
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
                cur.append(c);
            } else if (c == ',') {
                if (cur.toString().isBlank()) throw error(lineNo, "empty array element");
                parts.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.toString().isBlank()) parts.add(cur.toString().trim());
        return parts;
    }

    private static String parseString(String v, int lineNo) {
        StringBuilder sb = new StringBuilder();
        int i = 1;
        for (; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"') break;
            if (c == '\\') {
                if (++i >= v.length()) throw error(lineNo, "dangling escape");
                char e = v.charAt(i);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'u' -> {
                        if (i + 4 >= v.length()) throw error(lineNo, "short \\u escape");
                        try {
                            sb.append((char) Integer.parseInt(v.substring(i + 1, i + 5), 16));
                        } catch (NumberFormatException ex) {
                            throw error(lineNo, "bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw error(lineNo, "unsupported escape \\" + e);
                }
            } else {
                sb.append(c);
            }
        }
        if (i >= v.length()) throw error(lineNo, "unterminated string");
        if (!v.substring(i + 1).isBlank()) throw error(lineNo, "unexpected text after string");
        return sb.toString();
    }

    private static ConfigException error(int line, String message) {
        return new ConfigException("config.toml line " + line + ": " + message);
    }
}
