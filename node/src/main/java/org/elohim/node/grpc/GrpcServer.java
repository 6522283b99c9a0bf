package org.elohim.node.grpc;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The device API server: {@link ElohimNodeService} behind the {@link DeviceAuthInterceptor}, on
 * grpc-netty. Port 0 picks an ephemeral port ({@link #port()} tells which).
 */
public final class GrpcServer implements AutoCloseable {

    /** Listening and transport limits. */
    public record Config(String host, int port, int maxInboundMessageBytes, Duration keepAliveTime,
                         Duration keepAliveTimeout, Duration permitKeepAliveTime, int maxConcurrentCallsPerConnection) {
        public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

        public static Config defaults(String host, int port) {
            return new Config(host, port, DEFAULT_MAX_MESSAGE_BYTES, Duration.ofMinutes(1), Duration.ofSeconds(20),
                    Duration.ofSeconds(10), 256);
        }

        public Config withMaxInboundMessageBytes(int bytes) {
            return new Config(host, port, bytes, keepAliveTime, keepAliveTimeout, permitKeepAliveTime,
                    maxConcurrentCallsPerConnection);
        }
    }

    /** Netty event loops shared with the rest of the node (DESIGN: one event-loop group). */
    public record EventLoops(EventLoopGroup boss, EventLoopGroup worker, Class<? extends ServerChannel> channelType) {
    }

    private final Server server;
    private final ExecutorService executor;

    private GrpcServer(Server server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static GrpcServer start(Config config, ElohimNodeService service, DeviceAuthInterceptor auth) {
        return start(config, service, auth, null);
    }

    public static GrpcServer start(Config config, ElohimNodeService service, DeviceAuthInterceptor auth,
                                   EventLoops loops) {
        AtomicInteger n = new AtomicInteger();
        // Calls block on SQLite reads; a bounded pool keeps a flood of calls from making thousands of threads.
        ExecutorService executor = Executors.newFixedThreadPool(Math.max(4, Runtime.getRuntime().availableProcessors() * 4),
                r -> {
                    Thread t = new Thread(r, "grpc-call-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.port()))
                .executor(executor)
                .maxInboundMessageSize(config.maxInboundMessageBytes())
                .maxInboundMetadataSize(16 * 1024)
                .keepAliveTime(config.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(config.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(config.permitKeepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .maxConcurrentCallsPerConnection(config.maxConcurrentCallsPerConnection())
                .addService(MalformedRequestGuard.wrap(ServerInterceptors.intercept(service, auth)));
        if (loops != null) {
            b.bossEventLoopGroup(loops.boss()).workerEventLoopGroup(loops.worker()).channelType(loops.channelType());
        }
        Server server = b.build();
        try {
            server.start();
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot listen for gRPC on " + config.host() + ":" + config.port(), e);
        }
        return new GrpcServer(server, executor);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        executor.shutdownNow();
    }
}
