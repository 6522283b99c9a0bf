package org.elohim.node.metrics;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One scrape reads a dozen meters from the same snapshot; this computes it at most once per
 * {@code ttlMillis} so a scrape costs one query, not one per meter.
 */
final class MemoizedSupplier<T> implements Supplier<T> {
    private final Supplier<T> source;
    private final long ttlMillis;
    private final LongSupplier clock;
    private T value;
    private long takenAt = Long.MIN_VALUE;

    MemoizedSupplier(Supplier<T> source, long ttlMillis, LongSupplier clockMillis) {
        this.source = source;
        this.ttlMillis = ttlMillis;
        this.clock = clockMillis;
    }

    @Override
    public synchronized T get() {
        long now = clock.getAsLong();
        if (value == null || now - takenAt >= ttlMillis) {
            value = source.get();
            takenAt = now;
        }
        return value;
    }
}
