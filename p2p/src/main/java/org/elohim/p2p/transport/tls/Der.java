package org.elohim.p2p.transport.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The slice of ASN.1 DER that X.509 certificates need: definite lengths, single-byte tags, bounded depth.
 * Reading never trusts a length beyond the enclosing element; anything else is a
 * {@link CertificateFormatException}.
 */
final class Der {

    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int BOOLEAN = 0x01;
    static final int UTF8_STRING = 0x0c;
    static final int UTC_TIME = 0x17;
    static final int GENERALIZED_TIME = 0x18;

    /** Larger inputs are refused before parsing (a certificate with one extension is well under 1 KiB). */
    static final int MAX_INPUT = 16 * 1024;

    private Der() {
    }

    /** One element: its tag and where its encoding and content sit in {@code buf}. */
    record Tlv(int tag, byte[] buf, int start, int valueStart, int end) {

        byte[] value() {
            return Arrays.copyOfRange(buf, valueStart, end);
        }

        /** The whole element (tag, length and content), e.g. the signed TBSCertificate or the SPKI. */
        byte[] encoded() {
            return Arrays.copyOfRange(buf, start, end);
        }

        boolean constructed() {
            return (tag & 0x20) != 0;
        }

        List<Tlv> children() {
            if (!constructed()) {
                throw new CertificateFormatException("element with tag 0x" + Integer.toHexString(tag) + " has no children");
            }
            List<Tlv> out = new ArrayList<>();
            int pos = valueStart;
            while (pos < end) {
                if (out.size() >= 64) {
                    throw new CertificateFormatException("too many elements in one DER sequence");
                }
                Tlv c = read(buf, pos, end);
                out.add(c);
                pos = c.end();
            }
            return out;
        }

        Tlv expect(int wanted) {
            if (tag != wanted) {
                throw new CertificateFormatException("expected DER tag 0x" + Integer.toHexString(wanted) + ", got 0x"
                        + Integer.toHexString(tag));
            }
            return this;
        }
    }

    /** The single element that spans {@code buf} exactly. */
    static Tlv parse(byte[] buf) {
        if (buf == null || buf.length > MAX_INPUT) {
            throw new CertificateFormatException("DER input missing or larger than " + MAX_INPUT + " bytes");
        }
        Tlv t = read(buf, 0, buf.length);
        if (t.end() != buf.length) {
            throw new CertificateFormatException("trailing bytes after DER element");
        }
        return t;
    }

    /** The element starting at {@code pos}, which must end by {@code limit}. */
    static Tlv read(byte[] buf, int pos, int limit) {
        if (pos + 2 > limit) {
            throw new CertificateFormatException("truncated DER element");
        }
        int tag = buf[pos] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new CertificateFormatException("multi-byte DER tags are not supported");
        }
        int first = buf[pos + 1] & 0xff;
        int p = pos + 2;
        long len;
        if (first < 0x80) {
            len = first;
        } else {
            int n = first & 0x7f;
            if (n == 0) {
                throw new CertificateFormatException("indefinite length is not DER");
            }
            if (n > 3 || p + n > limit) {
                throw new CertificateFormatException("DER length field too long or truncated");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (buf[p++] & 0xff);
            }
            if (len < 0x80 || (n > 1 && len < (1L << (8 * (n - 1))))) {
                throw new CertificateFormatException("DER length not in minimal form");
            }
        }
        if (len > limit - p) {
            throw new CertificateFormatException("DER element longer than its container");
        }
        return new Tlv(tag, buf, pos, p, p + (int) len);
    }

    // ------------------------------------------------------------------ values

    static String oid(Tlv t) {
        byte[] v = t.expect(OID).value();
        if (v.length == 0 || v.length > 64) {
            throw new CertificateFormatException("bad OID length " + v.length);
        }
        StringBuilder sb = new StringBuilder();
        long acc = 0;
        boolean firstArc = true;
        for (int i = 0; i < v.length; i++) {
            if (acc == 0 && (v[i] & 0xff) == 0x80) {
                throw new CertificateFormatException("OID arc not in minimal form");
            }
            acc = (acc << 7) | (v[i] & 0x7f);
            if (acc > (1L << 40)) {
                throw new CertificateFormatException("OID arc too large");
            }
            if ((v[i] & 0x80) == 0) {
                if (firstArc) {
                    long a = Math.min(acc / 40, 2);
                    sb.append(a).append('.').append(acc - 40 * a);
                    firstArc = false;
                } else {
                    sb.append('.').append(acc);
                }
                acc = 0;
            } else if (i == v.length - 1) {
                throw new CertificateFormatException("truncated OID");
            }
        }
        return sb.toString();
    }

    /** The bits of a BIT STRING with no unused bits (keys and signatures). */
    static byte[] bitString(Tlv t) {
        byte[] v = t.expect(BIT_STRING).value();
        if (v.length == 0 || v[0] != 0) {
            throw new CertificateFormatException("BIT STRING with unused bits");
        }
        return Arrays.copyOfRange(v, 1, v.length);
    }

    static boolean bool(Tlv t) {
        byte[] v = t.expect(BOOLEAN).value();
        if (v.length != 1 || (v[0] != 0 && v[0] != (byte) 0xff)) {
            throw new CertificateFormatException("bad DER BOOLEAN");
        }
        return v[0] != 0;
    }

    // ------------------------------------------------------------------ writing

    static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        byte[] c = content.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(c.length + 6);
        out.write(tag);
        int len = c.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(c);
        return out.toByteArray();
    }

    static byte[] seq(byte[]... parts) {
        return tlv(SEQUENCE, parts);
    }

    static byte[] integer(BigInteger v) {
        return tlv(INTEGER, v.toByteArray());
    }

    static byte[] octets(byte[] v) {
        return tlv(OCTET_STRING, v);
    }

    static byte[] bits(byte[] v) {
        return tlv(BIT_STRING, new byte[] {0}, v);
    }

    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeBase128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            writeBase128(out, Long.parseLong(arcs[i]));
        }
        return tlv(OID, out.toByteArray());
    }

    private static void writeBase128(ByteArrayOutputStream out, long v) {
        int groups = 1;
        while ((v >>> (7 * groups)) != 0) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            int b = (int) ((v >>> (7 * g)) & 0x7f);
            out.write(g == 0 ? b : b | 0x80);
        }
    }
}
