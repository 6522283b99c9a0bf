package org.elohim.p2p.relay;

import java.util.Optional;

/** Status codes of circuit relay v2 ({@code relay/circuit-v2.md}). */
public enum RelayStatus {
    OK(100),
    RESERVATION_REFUSED(200),
    RESOURCE_LIMIT_EXCEEDED(201),
    PERMISSION_DENIED(202),
    CONNECTION_FAILED(203),
    NO_RESERVATION(204),
    MALFORMED_MESSAGE(400),
    UNEXPECTED_MESSAGE(401);

    private final int code;

    RelayStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<RelayStatus> fromCode(long code) {
        for (RelayStatus s : values()) {
            if (s.code == code) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
