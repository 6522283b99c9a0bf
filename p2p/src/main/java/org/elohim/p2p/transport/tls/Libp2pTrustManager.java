package org.elohim.p2p.transport.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * Accepts exactly one self-signed certificate that carries a valid libp2p public key extension, on both sides
 * (servers must require client certificates). Which peer it proves is checked once the handshake is done.
 */
public final class Libp2pTrustManager extends X509ExtendedTrustManager {

    public static final Libp2pTrustManager INSTANCE = new Libp2pTrustManager();

    private Libp2pTrustManager() {
    }

    static void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("libp2p TLS needs exactly one certificate, got "
                    + (chain == null ? 0 : chain.length));
        }
        try {
            Libp2pCertificate.verify(chain[0].getEncoded(), Instant.now());
        } catch (CertificateFormatException e) {
            throw new CertificateException(e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
