package org.elohim.node.storage;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** Counters of the document store and their Micrometer meters. */
final class StorageMetrics {
    final LongAdder changesApplied = new LongAdder();
    final LongAdder changeBytes = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder cacheHits = new LongAdder();
    final LongAdder cacheMisses = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder compactions = new LongAdder();
    final LongAdder outliers = new LongAdder();
    final AtomicInteger resident = new AtomicInteger();

    void register(MeterRegistry r, LongSupplier documents, LongSupplier seq, Materializer materializer) {
        FunctionCounter.builder("elohim.storage.changes", changesApplied, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.change.bytes", changeBytes, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.rejected", rejected, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.outliers", outliers, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.cache.hits", cacheHits, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.cache.misses", cacheMisses, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.cache.evictions", evictions, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.compactions", compactions, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.materialized", materializer, m -> m.materialized()).register(r);
        FunctionCounter.builder("elohim.storage.materialize.refused", materializer, m -> m.refused()).register(r);
        Gauge.builder("elohim.storage.cache.resident", resident, AtomicInteger::get).register(r);
        // Suppliers are lambdas nobody else holds: Micrometer keeps gauge state weakly by default.
        Gauge.builder("elohim.storage.documents", documents, s -> s.getAsLong()).strongReference(true).register(r);
        Gauge.builder("elohim.sync.stream.seq", seq, s -> s.getAsLong()).strongReference(true).register(r);
    }
}
