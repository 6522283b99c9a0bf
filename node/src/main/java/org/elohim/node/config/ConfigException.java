package org.elohim.node.config;

/** A configuration value that cannot be used: a malformed config.toml line, an unknown key, a bad flag. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
