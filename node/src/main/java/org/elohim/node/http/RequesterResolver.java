package org.elohim.node.http;

import io.netty.handler.codec.http.HttpHeaders;
import org.elohim.node.reach.Requester;

/**
 * Classifies an HTTP caller by the device authentication headers it presents (the same ones as the
 * gRPC device API). No credentials: anonymous. Credentials that do not verify: throw
 * {@code HttpError(401, ...)}, so a client that meant to authenticate learns that it failed.
 */
@FunctionalInterface
public interface RequesterResolver {
    Requester resolve(String method, String path, HttpHeaders headers);

    RequesterResolver ANONYMOUS = (m, p, h) -> Requester.ANONYMOUS;
}
