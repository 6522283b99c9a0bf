package org.elohim.node.blobs.http;

import java.util.Optional;

/**
 * One byte range of an HTTP {@code Range} header (RFC 9110 §14.1.2), resolved against a size.
 * Pure: the header text in, a range (or the reason there is none) out.
 */
public record ByteRange(long start, long endInclusive) {

    public long length() {
        return endInclusive - start + 1;
    }

    /** The outcome of parsing: no usable range (serve it all), a range, or unsatisfiable (416). */
    public sealed interface Parsed {
        record Whole() implements Parsed {
        }

        record Partial(ByteRange range) implements Parsed {
        }

        record Unsatisfiable() implements Parsed {
        }
    }

    /**
     * {@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}. Several ranges, other units or
     * malformed text: the whole content (a server may ignore Range). A range starting at or past
     * the end: unsatisfiable.
     */
    public static Parsed parse(String header, long size) {
        if (header == null || header.length() > 200) return new Parsed.Whole();
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) return new Parsed.Whole();
        String spec = h.substring(6).trim();
        if (spec.contains(",")) return new Parsed.Whole();
        int dash = spec.indexOf('-');
        if (dash < 0) return new Parsed.Whole();
        Optional<Long> first = number(spec.substring(0, dash).trim());
        Optional<Long> last = number(spec.substring(dash + 1).trim());
        boolean firstEmpty = spec.substring(0, dash).isBlank();
        boolean lastEmpty = spec.substring(dash + 1).isBlank();
        if (firstEmpty) {
            if (last.isEmpty() || last.get() == 0) return lastEmpty ? new Parsed.Whole() : new Parsed.Unsatisfiable();
            if (size == 0) return new Parsed.Unsatisfiable();
            long n = Math.min(last.get(), size);
            return new Parsed.Partial(new ByteRange(size - n, size - 1));
        }
        if (first.isEmpty() || (!lastEmpty && last.isEmpty())) return new Parsed.Whole();
        long a = first.get();
        if (!lastEmpty && last.get() < a) return new Parsed.Whole();
        if (a >= size) return new Parsed.Unsatisfiable();
        long b = lastEmpty ? size - 1 : Math.min(last.get(), size - 1);
        return new Parsed.Partial(new ByteRange(a, b));
    }

    private static Optional<Long> number(String s) {
        if (s.isEmpty() || s.length() > 18) return Optional.empty();
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return Optional.empty();
        return Optional.of(Long.parseLong(s));
    }
}
