package org.elohim.node.backup;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which names an archive may contain. A restore writes only these, so a hostile archive cannot
 * place a file outside the data directory ({@code ../}, absolute paths) or overwrite anything else.
 */
final class BackupLayout {
    static final String DATABASE = "node.db";
    static final String IDENTITY = "node.key";
    static final String CONFIG = "config.toml";
    static final String BLOBS = "blobs/";
    private static final Set<String> FILES = Set.of(DATABASE, IDENTITY, CONFIG);
    /** Blob paths: segments of letters, digits, '-', '_' and '.', none starting with a dot. */
    private static final Pattern BLOB = Pattern.compile("blobs(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}){1,4}");

    private BackupLayout() {
    }

    static String checkName(String name) {
        if (FILES.contains(name) || BLOB.matcher(name).matches()) return name;
        throw new BackupException("the archive holds an unexpected entry \"" + name + "\"; refusing to restore it");
    }
}
