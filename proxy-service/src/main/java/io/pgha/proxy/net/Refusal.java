package io.pgha.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Why the proxy did not connect a client, told the client as PostgreSQL would: an ErrorResponse with severity
 * FATAL, a SQLSTATE and a message, so that psql prints it and drivers raise it with its code instead of
 * "server closed the connection unexpectedly".
 *
 * @param sqlState {@code 57P03} (cannot_connect_now) when pgha has nowhere to send the connection right now,
 *                 {@code 08006} (connection_failure) when the backend it chose did not accept the connection
 * @param message  the reason, starting with "pgha proxy:" so that nobody mistakes it for PostgreSQL's own
 * @param hint     what the client can do, or null
 */
record Refusal(String sqlState, String message, String hint) {
    static final String CANNOT_CONNECT_NOW = "57P03";
    static final String CONNECTION_FAILURE = "08006";

    static Refusal noPrimary(String reason) {
        return new Refusal(CANNOT_CONNECT_NOW, "pgha proxy: no primary to connect to: " + reason,
                "A failover or switchover may be in progress; retry in a few seconds.");
    }

    static Refusal noStandby(String detail) {
        return new Refusal(CANNOT_CONNECT_NOW, "pgha proxy: no standby is eligible for reads"
                + (detail.isEmpty() ? "" : " (" + detail + ")"),
                "Connect to the read-write port, or set pgha.proxy.read-only.fallback-to-primary=true.");
    }

    static Refusal viewNotConfirmed() {
        return new Refusal(CANNOT_CONNECT_NOW,
                "pgha proxy: the routing is not confirmed by the store (the proxy may be cut off from it)",
                "Retry, or connect through another proxy.");
    }

    static Refusal backendUnreachable(Listener listener, Object backend, String cause) {
        return new Refusal(CONNECTION_FAILURE, "pgha proxy: could not connect to the "
                + (listener == Listener.RW ? "primary" : "standby") + " " + backend + ": " + cause, null);
    }

    /** The ErrorResponse message ('E'), protocol 3. */
    ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(64 + message.length() + (hint == null ? 0 : hint.length()));
        out.writeByte('E');
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        field(out, 'S', "FATAL");
        field(out, 'V', "FATAL");
        field(out, 'C', sqlState);
        field(out, 'M', message);
        if (hint != null) {
            field(out, 'H', hint);
        }
        out.writeByte(0);
        out.setInt(lengthAt, out.writerIndex() - lengthAt);
        return out;
    }

    private static void field(ByteBuf out, char type, String value) {
        out.writeByte(type);
        out.writeBytes(value.replace('\0', ' ').getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }
}
