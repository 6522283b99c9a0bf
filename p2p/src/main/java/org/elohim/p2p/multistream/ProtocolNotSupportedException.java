package org.elohim.p2p.multistream;

import java.util.List;

/** The remote side answered {@code na} to every protocol we proposed (or the dialer gave up on us). */
public class ProtocolNotSupportedException extends MultistreamException {
    private final List<String> proposed;

    public ProtocolNotSupportedException(List<String> proposed) {
        super("remote supports none of " + proposed);
        this.proposed = List.copyOf(proposed);
    }

    public ProtocolNotSupportedException(String message) {
        super(message);
        this.proposed = List.of();
    }

    public List<String> proposed() {
        return proposed;
    }
}
