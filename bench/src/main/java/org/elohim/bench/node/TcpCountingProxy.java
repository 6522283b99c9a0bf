package org.elohim.bench.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/** A loopback TCP relay that counts the bytes on the wire each way (everything: HTTP/2 framing, headers, TLS-less gRPC). */
public final class TcpCountingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    public final AtomicLong up = new AtomicLong();
    public final AtomicLong down = new AtomicLong();
    public final AtomicLong connections = new AtomicLong();
    private volatile boolean closed;

    public TcpCountingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public void reset() {
        up.set(0);
        down.set(0);
        connections.set(0);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket target = new Socket();
                target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                connections.incrementAndGet();
                pump(client, target, up);
                pump(target, client, down);
            } catch (IOException e) {
                if (!closed) System.err.println("proxy: " + e);
            }
        }
    }

    private static void pump(Socket from, Socket to, AtomicLong counter) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    counter.addAndGet(n);
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // connection closed
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
