package org.elohim.p2p.multistream;

import java.time.Duration;

/** multistream-select did not finish within its deadline. */
public class NegotiationTimeoutException extends MultistreamException {
    public NegotiationTimeoutException(Duration timeout) {
        super("multistream-select negotiation timed out after " + timeout.toMillis() + " ms");
    }
}
