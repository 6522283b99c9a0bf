package org.elohim.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a route answers: status, content type, body bytes. */
public record HttpReply(int status, String contentType, byte[] body) {
    public static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    public static final String JSON_TYPE = "application/json; charset=utf-8";

    public static HttpReply json(Object value) {
        return json(200, value);
    }

    public static HttpReply json(int status, Object value) {
        try {
            return new HttpReply(status, JSON_TYPE, JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize reply", e);
        }
    }

    public static HttpReply error(int status, String message) {
        return json(status, Map.of("error", message == null ? "error" : message));
    }

    public static HttpReply text(int status, String contentType, String text) {
        return new HttpReply(status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }
}
