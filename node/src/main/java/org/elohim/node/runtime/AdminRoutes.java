package org.elohim.node.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.elohim.node.http.HttpError;
import org.elohim.node.http.HttpExchange;
import org.elohim.node.http.HttpReply;
import org.elohim.node.http.Route;
import org.elohim.node.reach.Reach;

/**
 * The running node's local admin API, used by the CLI while the node holds the database.
 * Every route requires a loopback peer AND {@code Authorization: Bearer <admin.token>}; anything
 * else gets 404 so the API is invisible from the network.
 */
final class AdminRoutes {
    private final AdminOperations ops;
    private final AdminToken token;

    AdminRoutes(AdminOperations ops, AdminToken token) {
        this.ops = ops;
        this.token = token;
    }

    List<Route> routes() {
        return List.of(
                Route.post("/admin/pairing-tokens", guarded(this::pair)),
                Route.get("/admin/status", guarded(x -> HttpReply.json(ops.status()))),
                Route.get("/admin/docs", guarded(this::list)),
                Route.get("/admin/docs/{id}", guarded(this::get)),
                Route.put("/admin/docs/{id}", guarded(this::put)),
                Route.post("/admin/backup/snapshot", guarded(x -> HttpReply.json(201, ops.snapshotDatabase()))));
    }

    private Route.Handler guarded(Route.Handler h) {
        return x -> {
            if (!x.fromLoopback() || !token.matches(x.headers().get("Authorization"))) {
                throw HttpError.notFound("no such endpoint: " + x.path());
            }
            return h.handle(x);
        };
    }

    private HttpReply pair(HttpExchange x) {
        JsonNode body = json(x);
        String owner = body.path("owner").asText("");
        long ttl = body.path("ttlSeconds").asLong(600);
        return HttpReply.json(201, ops.pairingToken(owner, Duration.ofSeconds(ttl)));
    }

    private HttpReply list(HttpExchange x) {
        int limit = x.intParam("limit", 100, 1, AdminOperations.MAX_PAGE);
        Optional<Reach> reach = x.queryParam("reach").map(r -> Reach.parse(r)
                .orElseThrow(() -> HttpError.badRequest("unknown reach " + r)));
        return HttpReply.json(ops.listDocuments(x.queryParam("after").orElse(null), limit, reach, x.queryParam("owner")));
    }

    private HttpReply get(HttpExchange x) {
        return ops.getDocument(x.pathParam("id")).map(HttpReply::json)
                .orElseThrow(() -> HttpError.notFound("no such document"));
    }

    private HttpReply put(HttpExchange x) {
        JsonNode body = json(x);
        String owner = body.path("owner").asText("");
        if (owner.isBlank()) throw HttpError.badRequest("owner is required");
        Reach reach = Reach.parse(body.path("reach").asText("private"))
                .orElseThrow(() -> HttpError.badRequest("unknown reach"));
        return HttpReply.json(ops.putDocument(x.pathParam("id"), owner, reach, body.path("content")));
    }

    private static JsonNode json(HttpExchange x) {
        try {
            JsonNode n = HttpReply.JSON.readTree(x.body());
            if (n == null || !n.isObject()) throw HttpError.badRequest("body must be a JSON object");
            return n;
        } catch (IOException e) {
            throw HttpError.badRequest("body is not valid JSON");
        }
    }
}
