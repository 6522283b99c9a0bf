package org.elohim.node.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Layers the sources of a {@link NodeConfig}, later wins: defaults, {@code <dataDir>/config.toml},
 * environment ({@code ELOHIM_HTTP_PORT=...}), then explicit overrides (CLI flags).
 */
public final class ConfigLoader {
    public static final String FILE_NAME = "config.toml";
    public static final String DATA_DIR_ENV = "ELOHIM_DATA_DIR";

    private ConfigLoader() {
    }

    public static NodeConfig load(Path dataDir, Map<String, String> env, Map<String, String> overrides) {
        Map<String, Object> values = new LinkedHashMap<>();
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.isRegularFile(file)) {
            String text;
            try {
                if (Files.size(file) > TomlFile.MAX_BYTES) {
                    throw new ConfigException(file + " is larger than " + TomlFile.MAX_BYTES + " bytes");
                }
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (java.nio.charset.MalformedInputException e) {
                throw new ConfigException(file + " is not UTF-8 text", e);
            } catch (IOException e) {
                throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
            }
            String name = file.toString();
            for (Map.Entry<String, TomlFile.Entry> e : TomlFile.parse(name, text).entrySet()) {
                String where = e.getValue().line() > 0 ? name + " line " + e.getValue().line() : name;
                Setting s;
                try {
                    s = Setting.byKey(e.getKey());
                } catch (ConfigException unknown) {
                    throw new ConfigException(where + ": " + unknown.getMessage());
                }
                values.put(s.key(), s.coerceTyped(e.getValue().value(), where));
            }
        }
        for (Setting s : Setting.ALL) {
            String v = env.get(s.envName());
            if (v != null && !v.isBlank()) values.put(s.key(), s.coerce(v, "environment " + s.envName()));
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            Setting s = Setting.byKey(e.getKey());
            values.put(s.key(), s.coerce(e.getValue(), "option --set " + e.getKey()));
        }
        return NodeConfig.fromSettings(dataDir, values);
    }

    /** The data dir: the explicit one if given, else $ELOHIM_DATA_DIR, else ./data. */
    public static Path dataDir(Path explicit, Map<String, String> env) {
        if (explicit != null) return explicit;
        String fromEnv = env.get(DATA_DIR_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) return Path.of(fromEnv);
        return NodeConfig.DEFAULT_DATA_DIR;
    }

    /** The commented default config.toml that {@code init} writes. */
    public static String defaultFile() {
        StringBuilder sb = new StringBuilder();
        sb.append("# elohim-node configuration.\n")
          .append("# Every key can also be set by an environment variable (http.port -> ELOHIM_HTTP_PORT)\n")
          .append("# or a command-line option (--setting http.port=8081); those win over this file.\n");
        String table = "";
        for (Setting s : Setting.ALL) {
            String t = s.key().substring(0, s.key().indexOf('.'));
            if (!t.equals(table)) {
                sb.append("\n[").append(t).append("]\n");
                table = t;
            }
            for (String line : wrap(s.doc(), 96)) sb.append("# ").append(line).append('\n');
            sb.append(s.key().substring(t.length() + 1)).append(" = ").append(render(s.defaultValue())).append('\n');
        }
        return sb.toString();
    }

    static String render(Object v) {
        if (v instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return String.valueOf(v);
    }

    private static java.util.List<String> wrap(String text, int width) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String word : text.split(" ")) {
            if (cur.length() > 0 && cur.length() + 1 + word.length() > width) {
                lines.add(cur.toString());
                cur.setLength(0);
            }
            if (cur.length() > 0) cur.append(' ');
            cur.append(word);
        }
        if (cur.length() > 0) lines.add(cur.toString());
        return lines;
    }
}
