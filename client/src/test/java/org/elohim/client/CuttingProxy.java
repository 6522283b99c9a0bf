package org.elohim.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 that cuts each connection (closes both sides) once it has carried
 * {@link #cutAfterBytes} bytes in total, both directions: a network failure at an arbitrary point.
 */
final class CuttingProxy implements AutoCloseable {
    final AtomicLong cutAfterBytes = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong cuts = new AtomicLong();
    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    CuttingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
                open.add(client);
                open.add(server);
                AtomicLong carried = new AtomicLong();
                long limit = cutAfterBytes.get();
                pump(client, server, carried, limit);
                pump(server, client, carried, limit);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicLong carried, long limit) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    long before = carried.getAndAdd(n);
                    if (before + n > limit) {
                        int allowed = (int) Math.max(0, limit - before);
                        out.write(buf, 0, allowed);
                        out.flush();
                        cuts.incrementAndGet();
                        break;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the other direction closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "cutting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) closeQuietly(s);
    }
}
