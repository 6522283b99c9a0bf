package org.elohim.node.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The secret that unlocks the running node's local admin API (pairing tokens, doc put/get/ls).
 * A fresh one per run, in a file only the node's user can read: whoever can read the data
 * directory can administer the node, nobody else (the admin routes also require loopback).
 */
public final class AdminToken {
    private final String value;

    private AdminToken(String value) {
        this.value = value;
    }

    public static AdminToken createIn(Path file) throws IOException {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String v = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        Files.deleteIfExists(file);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
            Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
        } else {
            Files.createFile(file);
        }
        Files.writeString(file, v + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        return new AdminToken(v);
    }

    public static Optional<String> read(Path file) {
        try {
            if (!Files.isRegularFile(file)) return Optional.empty();
            return Optional.of(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Constant-time check of an {@code Authorization: Bearer ...} header value. */
    public boolean matches(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) return false;
        byte[] given = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, value.getBytes(StandardCharsets.US_ASCII));
    }
}
