package org.elohim.p2p.peer;

/** libp2p {@code KeyType} enum values (peer-ids spec). Only Ed25519 can sign/verify here. */
public enum KeyType {
    RSA(0), ED25519(1), SECP256K1(2), ECDSA(3);

    private final int code;

    KeyType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static KeyType fromCode(long code) {
        for (KeyType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new KeyFormatException("unknown key type " + code);
    }
}
