package org.elohim.node.blobs.http;

import java.util.List;
import java.util.function.Predicate;
import org.elohim.node.blobs.BlobId;
import org.elohim.node.blobs.BlobStore;
import org.elohim.node.blobs.BlobViews;
import org.elohim.node.http.HttpError;
import org.elohim.node.http.HttpExchange;
import org.elohim.node.http.HttpReply;
import org.elohim.node.http.Route;

/**
 * The operator's blob listing and details on the local admin API ({@code GET /admin/blobs},
 * {@code GET /admin/blobs/{id}}): loopback peers with the admin token only, 404 for anyone else.
 * Uploads and downloads go through {@code /blobs} (streamed), with the same token.
 */
public final class BlobAdminRoutes {
    private final BlobStore store;
    private final Predicate<HttpExchange> admin;

    /** {@code admin}: whether an exchange is the operator (loopback + admin token). */
    public BlobAdminRoutes(BlobStore store, Predicate<HttpExchange> admin) {
        this.store = store;
        this.admin = admin;
    }

    public List<Route> routes() {
        return List.of(Route.get("/admin/blobs", guarded(this::list)), Route.get("/admin/blobs/{id}", guarded(this::stat)));
    }

    private Route.Handler guarded(Route.Handler h) {
        return x -> {
            if (!admin.test(x)) throw HttpError.notFound("no such endpoint: " + x.path());
            return h.handle(x);
        };
    }

    private HttpReply list(HttpExchange x) {
        return HttpReply.json(BlobViews.page(store, x.queryParam("after").orElse(null), x.intParam("limit", 100, 1, 1000)));
    }

    private HttpReply stat(HttpExchange x) {
        BlobId id = BlobId.parse(x.pathParam("id")).orElseThrow(() -> HttpError.badRequest("not a blob id"));
        return store.info(id).map(i -> HttpReply.json(BlobViews.stat(store, i)))
                .orElseThrow(() -> HttpError.notFound("no such blob"));
    }
}
