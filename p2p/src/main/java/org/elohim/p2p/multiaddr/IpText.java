package org.elohim.p2p.multiaddr;

/** Strict IPv4/IPv6 literal parsing and formatting (never touches DNS). */
final class IpText {
    private IpText() {
    }

    static byte[] parseIp4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        int n = s.length();
        while (true) {
            if (part > 3) {
                throw new MultiaddrException("invalid ip4 address '" + s + "'");
            }
            int start = i;
            int v = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                v = v * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || v > 255 || (digits > 1 && s.charAt(start) == '0')) {
                throw new MultiaddrException("invalid ip4 address '" + s + "'");
            }
            out[part++] = (byte) v;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != '.') {
                throw new MultiaddrException("invalid ip4 address '" + s + "'");
            }
            i++;
        }
        if (part != 4) {
            throw new MultiaddrException("invalid ip4 address '" + s + "'");
        }
        return out;
    }

    static String formatIp4(byte[] b) {
        return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }

    static byte[] parseIp6(String s) {
        if (s.isEmpty() || s.length() > 45) {
            throw new MultiaddrException("invalid ip6 address '" + s + "'");
        }
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            throw new MultiaddrException("invalid ip6 address '" + s + "' (more than one ::)");
        }
        int[] head = new int[8];
        int[] tail = new int[8];
        int headLen;
        int tailLen = 0;
        byte[] ip4Tail = null;
        String left = dbl >= 0 ? s.substring(0, dbl) : s;
        String right = dbl >= 0 ? s.substring(dbl + 2) : null;
        String last = right != null ? right : left;
        // An embedded IPv4 address may only end the literal.
        int lastColon = last.lastIndexOf(':');
        String lastGroup = last.substring(lastColon + 1);
        if (lastGroup.indexOf('.') >= 0) {
            ip4Tail = parseIp4(lastGroup);
            last = lastColon >= 0 ? last.substring(0, lastColon) : "";
            if (right != null) {
                right = last;
            } else {
                left = last;
                if (lastColon < 0) {
                    throw new MultiaddrException("invalid ip6 address '" + s + "'");
                }
            }
        }
        headLen = parseGroups(left, head, s);
        if (right != null) {
            tailLen = parseGroups(right, tail, s);
        }
        int groups = headLen + tailLen + (ip4Tail != null ? 2 : 0);
        if (dbl < 0 ? groups != 8 : groups > 7) {
            throw new MultiaddrException("invalid ip6 address '" + s + "'");
        }
        byte[] out = new byte[16];
        for (int g = 0; g < headLen; g++) {
            out[2 * g] = (byte) (head[g] >> 8);
            out[2 * g + 1] = (byte) head[g];
        }
        int end = ip4Tail != null ? 12 : 16;
        for (int g = 0; g < tailLen; g++) {
            int pos = end - 2 * (tailLen - g);
            out[pos] = (byte) (tail[g] >> 8);
            out[pos + 1] = (byte) tail[g];
        }
        if (ip4Tail != null) {
            System.arraycopy(ip4Tail, 0, out, 12, 4);
        }
        return out;
    }

    private static int parseGroups(String part, int[] into, String whole) {
        if (part.isEmpty()) {
            return 0;
        }
        String[] groups = part.split(":", -1);
        if (groups.length > 8) {
            throw new MultiaddrException("invalid ip6 address '" + whole + "'");
        }
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            if (g.isEmpty() || g.length() > 4) {
                throw new MultiaddrException("invalid ip6 address '" + whole + "'");
            }
            int v = 0;
            for (int k = 0; k < g.length(); k++) {
                char c = g.charAt(k);
                int d = c >= '0' && c <= '9' ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0) {
                    throw new MultiaddrException("invalid ip6 address '" + whole + "'");
                }
                v = (v << 4) | d;
            }
            into[i] = v;
        }
        return groups.length;
    }

    /** RFC 5952 text: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::". */
    static String formatIp6(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen && j - i >= 2) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
