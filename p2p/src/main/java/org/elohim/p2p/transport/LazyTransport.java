package org.elohim.p2p.transport;

import io.netty.channel.EventLoopGroup;
import org.elohim.p2p.multiaddr.Multiaddr;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A transport created on its first listen or dial (QUIC: its certificate and native library cost nothing until
 * QUIC is used).
 */
public final class LazyTransport implements Transport {

    private final String name;
    private final Predicate<Multiaddr> handles;
    private final Supplier<? extends Transport> factory;
    private volatile Transport created;

    public LazyTransport(String name, Predicate<Multiaddr> handles, Supplier<? extends Transport> factory) {
        this.name = name;
        this.handles = handles;
        this.factory = factory;
    }

    /** The real transport, once a listen or dial has created it. */
    public Optional<Transport> created() {
        return Optional.ofNullable(created);
    }

    /** The real transport, created now if needed. */
    public synchronized Transport get() {
        if (created == null) {
            created = factory.get();
        }
        return created;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean canDial(Multiaddr addr) {
        return handles.test(addr);
    }

    @Override
    public boolean canListen(Multiaddr addr) {
        return handles.test(addr);
    }

    @Override
    public CompletableFuture<Multiaddr> listen(EventLoopGroup group, Multiaddr addr, ConnectionSink sink) {
        try {
            return get().listen(group, addr, sink);
        } catch (RuntimeException | LinkageError e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> dial(EventLoopGroup group, Multiaddr addr, DialOptions options, ConnectionSink sink) {
        try {
            return get().dial(group, addr, options, sink);
        } catch (RuntimeException | LinkageError e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
        Transport t = created;
        if (t != null) {
            t.close();
        }
    }
}
