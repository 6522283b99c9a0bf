package org.elohim.node.automergerepo;

import io.netty.channel.ChannelHandler;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.http.WebSocketEndpoint;
import org.elohim.node.realtime.RealtimeAuthentication;
import org.elohim.node.realtime.RealtimePolicy;
import org.elohim.node.storage.Database;

/**
 * The automerge-repo–compatible sync endpoint (protocol "1", CBOR frames): stock
 * {@code @automerge/automerge-repo} clients use the node as their sync server by pointing
 * their WebSocket adapter at {@code ws://host:port/automerge}.
 */
public final class AutomergeRepoEndpoint implements WebSocketEndpoint, AutoCloseable {
    public static final String DEFAULT_PATH = "/automerge";

    private final String path;
    private final RealtimeAuthentication authentication;
    private final RepoMessageCodec codec;
    private final long keepAliveMillis;
    private final ExecutorService hubThread;
    private final RepoHub hub;

    /**
     * @param nodeId a stable name of this node (e.g. its libp2p peer id); the server's automerge-repo
     *               peerId and storageId are derived from it so they survive restarts
     */
    public AutomergeRepoEndpoint(String path, DocumentService docs, RealtimePolicy policy,
                                 RealtimeAuthentication authentication, SyncStateStore syncStates, String nodeId,
                                 int maxFrameBytes, long keepAliveMillis, RepoHub.Limits limits) {
        this.path = path;
        this.authentication = authentication;
        this.codec = new RepoMessageCodec(maxFrameBytes);
        this.keepAliveMillis = keepAliveMillis;
        this.hubThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "automerge-repo-hub");
            t.setDaemon(true);
            return t;
        });
        String storageId = UUID.nameUUIDFromBytes(("elohim-automerge-repo-storage:" + nodeId)
                .getBytes(StandardCharsets.UTF_8)).toString();
        this.hub = new RepoHub(docs, policy, syncStates, "elohim-" + nodeId, storageId, System::currentTimeMillis,
                hubThread, limits);
    }

    /** The usual mounting: {@link #DEFAULT_PATH}, sync states in the node's database, default limits. */
    public AutomergeRepoEndpoint(DocumentService docs, RealtimePolicy policy, RealtimeAuthentication authentication,
                                 Database database, String nodeId) {
        this(DEFAULT_PATH, docs, policy, authentication, new SqliteSyncStateStore(database), nodeId,
                RepoMessageCodec.DEFAULT_MAX_FRAME_BYTES, KeepAlive.DEFAULT_INTERVAL_MILLIS, RepoHub.Limits.defaults());
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public int maxFrameBytes() {
        return codec.maxFrameBytes();
    }

    @Override
    public ChannelHandler newSession(UpgradeRequest request) throws UpgradeRefused {
        return new RepoSessionHandler(hub, codec, authentication.authenticate(request), keepAliveMillis);
    }

    public RepoHub hub() {
        return hub;
    }

    @Override
    public void close() {
        hubThread.execute(hub::close);
        hubThread.shutdown();
        try {
            if (!hubThread.awaitTermination(10, TimeUnit.SECONDS)) hubThread.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            hubThread.shutdownNow();
        }
    }
}
