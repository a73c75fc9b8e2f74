package io.pgha.proxy.net;

import io.netty.buffer.ByteBuf;

/**
 * The first packets a PostgreSQL client sends, before any message has a type byte: a length, a code, and a body.
 * The proxy reads only these — enough to route a cancel to the backends and to answer a refused client in its
 * own protocol — and passes everything after them through untouched.
 */
sealed interface StartupPacket {
    /** PostgreSQL's limit on a startup packet (MAX_STARTUP_PACKET_LENGTH): longer is not a client. */
    int MAX_LENGTH = 10_000;
    int CANCEL_REQUEST = 80877102;
    int SSL_REQUEST = 80877103;
    int GSSENC_REQUEST = 80877104;

    /** Bytes the packet takes on the wire, length field included. */
    int length();

    /** Asks to switch the connection to TLS; the server answers one byte, 'S' or 'N'. */
    record SslRequest() implements StartupPacket {
        @Override
        public int length() {
            return 8;
        }
    }

    /** Asks to switch the connection to GSSAPI encryption; the server answers 'G' or 'N'. */
    record GssEncRequest() implements StartupPacket {
        @Override
        public int length() {
            return 8;
        }
    }

    /** Cancels the query of the backend with this process id and secret key; nothing is ever answered. */
    record CancelRequest(int processId, int secretKey) implements StartupPacket {
        @Override
        public int length() {
            return 16;
        }
    }

    /** The startup message proper, {@code protocol} being major << 16 | minor (3.0 = 196608). */
    record Startup(int protocol, int length) implements StartupPacket {
    }

    /** Not a PostgreSQL client: the connection is closed. */
    record Invalid(String reason, int length) implements StartupPacket {
    }

    /**
     * The packet at the reader index of {@code in}, or null while it is incomplete. Reads without consuming: the
     * caller decides whether the bytes are forwarded or answered.
     */
    static StartupPacket peek(ByteBuf in) {
        if (in.readableBytes() < 8) {
            return null;
        }
        int start = in.readerIndex();
        int length = in.getInt(start);
        int code = in.getInt(start + 4);
        if (length < 8 || length > MAX_LENGTH) {
            return new Invalid("startup packet length " + length, 8);
        }
        if (in.readableBytes() < length) {
            return null;
        }
        return switch (code) {
            case SSL_REQUEST -> length == 8 ? new SslRequest() : new Invalid("SSLRequest of length " + length, length);
            case GSSENC_REQUEST -> length == 8 ? new GssEncRequest()
                    : new Invalid("GSSENCRequest of length " + length, length);
            case CANCEL_REQUEST -> length == 16 ? new CancelRequest(in.getInt(start + 8), in.getInt(start + 12))
                    : new Invalid("CancelRequest of length " + length, length);
            default -> (code >>> 16) >= 2 && (code >>> 16) <= 3 ? new Startup(code, length)
                    : new Invalid("unknown startup code " + code, length);
        };
    }
}
