package org.elohim.node.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.elohim.node.storage.StorageStats;

/**
 * The node's meter registry, exposed by {@code GET /metrics} in Prometheus text format.
 * Storage meters read one {@link StorageStats} snapshot per scrape.
 */
public final class NodeMetrics implements AutoCloseable {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;

    private NodeMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
    }

    public static NodeMetrics create() {
        return new NodeMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Binds what the document store does not register itself. (Given the registry, the store
     * registers elohim_storage_changes/cache/compactions/documents and elohim_sync_stream_seq, and
     * the database its elohim_storage_commit_seconds timer.)
     */
    public void bindStorage(Supplier<StorageStats> stats) {
        Supplier<StorageStats> s = new MemoizedSupplier<>(stats, 1000, System::currentTimeMillis);
        gauge("elohim.storage.stored.bytes", "Bytes of stored snapshots and change chunks", s, StorageStats::storedBytes);
    }

    public <T> void gauge(String name, String description, Supplier<T> source, ToDoubleFunction<T> value) {
        Gauge.builder(name, () -> value.applyAsDouble(source.get())).description(description).register(registry);
    }

    public <T> void counter(String name, String description, Supplier<T> source, ToDoubleFunction<T> value) {
        FunctionCounter.builder(name, source, src -> value.applyAsDouble(src.get())).description(description)
                .register(registry);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
