package org.elohim.client;

/** A failure of the device SDK: storage, network or a refusal by the node. */
public class ClientException extends RuntimeException {
    public ClientException(String message) {
        super(message);
    }

    public ClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
