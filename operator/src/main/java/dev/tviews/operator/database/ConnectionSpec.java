package dev.tviews.operator.database;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** How to reach one database. {@link #toString()} never includes the password. */
public record ConnectionSpec(String host, int port, String database, String user, String password) {

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?ApplicationName=tview-operator";
    }

    /** Identifies the pool: same server, database and credentials share one pool. */
    public String poolKey() {
        return user + "@" + host + ":" + port + "/" + database + "#" + passwordFingerprint();
    }

    /** Where, for messages: user@host:port/database. */
    public String describe() {
        return user + "@" + host + ":" + port + "/" + database;
    }

    private String passwordFingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (password == null ? "" : password).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "ConnectionSpec[" + describe() + "]";
    }
}
