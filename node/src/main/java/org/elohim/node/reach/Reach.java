package org.elohim.node.reach;

import java.util.Locale;
import java.util.Optional;

/** Reach levels of the spec, narrowest first (DESIGN §6). */
public enum Reach {
    PRIVATE, FAMILY, COMMUNITY, COMMONS;

    /** The lowercase wire/storage name ("private", "family", ...). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Reach> parse(String s) {
        if (s == null) return Optional.empty();
        for (Reach r : values()) if (r.wireName().equalsIgnoreCase(s.trim())) return Optional.of(r);
        return Optional.empty();
    }
}
