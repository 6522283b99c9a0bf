package org.elohim.node.realtime;

import java.util.List;
import org.elohim.node.automergerepo.AutomergeRepoEndpoint;
import org.elohim.node.automergerepo.KeepAlive;
import org.elohim.node.automergerepo.RepoHub;
import org.elohim.node.automergerepo.RepoMessageCodec;
import org.elohim.node.automergerepo.SqliteSyncStateStore;
import org.elohim.node.automergerepo.SyncStateStore;
import org.elohim.node.http.WebSocketEndpoint;
import org.elohim.node.runtime.NodeContext;
import org.elohim.node.storage.SqliteDocumentService;

/**
 * The node's realtime WebSocket endpoints, made from a running node's context: {@code /ws} (the
 * spec's JSON API) and {@code /automerge} (automerge-repo protocol "1"). Access mode from
 * {@code realtime.access}; both are closed by the runtime when it stops.
 */
public final class RealtimeEndpoints {
    private RealtimeEndpoints() {
    }

    public static List<WebSocketEndpoint> create(NodeContext ctx) {
        RealtimePolicy policy = new RealtimePolicy(ctx.reach());
        RealtimeAuthentication auth = new RealtimeAuthentication(ctx.config().realtimeAccess(), ctx.authenticator());
        SyncStateStore states = ctx.documents() instanceof SqliteDocumentService sqlite
                ? new SqliteSyncStateStore(sqlite.database()) : SyncStateStore.inMemory();
        return List.of(
                new RealtimeEndpoint(ctx.documents(), policy, auth),
                new AutomergeRepoEndpoint(AutomergeRepoEndpoint.DEFAULT_PATH, ctx.documents(), policy, auth, states,
                        ctx.nodeId(), RepoMessageCodec.DEFAULT_MAX_FRAME_BYTES, KeepAlive.DEFAULT_INTERVAL_MILLIS,
                        RepoHub.Limits.defaults()));
    }
}
