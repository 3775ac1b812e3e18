package io.floe.cdc;

/**
 * Where a Debezium change came from: the envelope's {@code source} block. Fields are as the
 * connector wrote them, null where it wrote none (connectors differ: MySQL has no {@code schema},
 * PostgreSQL's {@code lsn} and {@code txId} are numbers, Oracle's transaction id is text).
 *
 * @param connector the connector ({@code postgresql}, {@code mysql}, ...)
 * @param db the database
 * @param schema the database schema ({@code public})
 * @param table the table
 * @param tsMs when the change was made in the database, epoch milliseconds
 * @param lsn PostgreSQL's log sequence number of the change
 * @param txId the database transaction id, as text
 * @param snapshot {@code "false"} for a streamed change; {@code "true"}, {@code "first"}, {@code
 *     "last"}, {@code "incremental"}, ... for one read by a snapshot
 */
public record Source(
    String connector,
    String db,
    String schema,
    String table,
    Long tsMs,
    Long lsn,
    String txId,
    String snapshot) {}
