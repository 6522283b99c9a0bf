package org.elohim.node.storage;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of SQL run on a connection handed out by {@link Database}; must not keep the connection. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
