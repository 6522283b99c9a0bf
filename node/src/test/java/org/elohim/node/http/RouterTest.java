package org.elohim.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    private final Router router = new Router(List.of(
            Route.get("/health", x -> null),
            Route.get("/storage/reach/{level}", x -> null),
            Route.put("/admin/docs/{id}", x -> null),
            Route.get("/admin/docs/{id}", x -> null)));

    @Test
    void matchesLiteralAndParameterSegments() {
        assertThat(router.match("GET", "/health")).isInstanceOf(Router.Match.Found.class);
        Router.Match m = router.match("GET", "/storage/reach/family");
        assertThat(((Router.Match.Found) m).params()).isEqualTo(Map.of("level", "family"));
    }

    @Test
    void percentDecodesParametersButKeepsPlus() {
        Router.Match m = router.match("GET", "/admin/docs/a%20b+c%2Fd");
        assertThat(((Router.Match.Found) m).params()).containsEntry("id", "a b+c/d");
    }

    @Test
    void distinguishesWrongMethodFromUnknownPath() {
        assertThat(router.match("POST", "/health")).isEqualTo(new Router.Match.WrongMethod(java.util.Set.of("GET")));
        assertThat(router.match("GET", "/nope")).isInstanceOf(Router.Match.NotFound.class);
        assertThat(router.match("GET", "/storage/reach")).isInstanceOf(Router.Match.NotFound.class);
        assertThat(router.match("GET", "/storage/reach/a/b")).isInstanceOf(Router.Match.NotFound.class);
        assertThat(router.match("HEAD", "/health")).isInstanceOf(Router.Match.Found.class);
    }
}
