package io.pgha.proxy.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.pgha.proxy.net.StartupPacket.CancelRequest;
import io.pgha.proxy.net.StartupPacket.GssEncRequest;
import io.pgha.proxy.net.StartupPacket.Invalid;
import io.pgha.proxy.net.StartupPacket.SslRequest;
import io.pgha.proxy.net.StartupPacket.Startup;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Decoding the client's first packets and encoding a refusal, byte by byte as PostgreSQL defines them. */
class StartupPacketTest {

    /** A protocol 3.0 startup message for {@code user} on database postgres. */
    static byte[] startup(String user) {
        byte[] params = ("user\0" + user + "\0database\0postgres\0\0").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + params.length).putInt(8 + params.length).putInt(196608).put(params).array();
    }

    private static ByteBuf packet(int length, int code, int... more) {
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * more.length).putInt(length).putInt(code);
        for (int m : more) {
            b.putInt(m);
        }
        return Unpooled.wrappedBuffer(b.array());
    }

    @Test
    void eachRequestIsRecognisedWithoutConsumingIt() {
        ByteBuf ssl = packet(8, 80877103);
        assertThat(StartupPacket.peek(ssl)).isEqualTo(new SslRequest());
        assertThat(ssl.readerIndex()).isZero();
        assertThat(StartupPacket.peek(packet(8, 80877104))).isEqualTo(new GssEncRequest());
        assertThat(StartupPacket.peek(packet(16, 80877102, 4242, -7))).isEqualTo(new CancelRequest(4242, -7));
        byte[] s = startup("postgres");
        assertThat(StartupPacket.peek(Unpooled.wrappedBuffer(s))).isEqualTo(new Startup(196608, s.length));
    }

    @Test
    void anIncompletePacketWaitsForMoreBytes() {
        byte[] s = startup("postgres");
        assertThat(StartupPacket.peek(Unpooled.wrappedBuffer(Arrays.copyOf(s, 7)))).isNull();
        assertThat(StartupPacket.peek(Unpooled.wrappedBuffer(Arrays.copyOf(s, s.length - 1)))).isNull();
        assertThat(StartupPacket.peek(packet(16, 80877102))).as("cancel without its key yet").isNull();
    }

    @Test
    void whatNoClientSendsIsInvalid() {
        assertThat(StartupPacket.peek(packet(4, 196608))).isInstanceOf(Invalid.class);
        assertThat(StartupPacket.peek(packet(1_000_000, 196608))).isInstanceOf(Invalid.class);
        assertThat(StartupPacket.peek(packet(12, 80877103, 0))).isInstanceOf(Invalid.class);
        assertThat(StartupPacket.peek(packet(8, 0x12345678))).isInstanceOf(Invalid.class);
        assertThat(StartupPacket.peek(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(Invalid.class);
    }

    @Test
    void aRefusalIsAFatalErrorResponseWithItsSqlState() {
        ByteBuf e = Refusal.noStandby("db3: not running").encode(ByteBufAllocator.DEFAULT);
        assertThat(e.readByte()).isEqualTo((byte) 'E');
        assertThat(e.readInt()).isEqualTo(e.readableBytes() + 4);
        String fields = e.toString(StandardCharsets.UTF_8);
        assertThat(fields).isEqualTo("SFATAL\0VFATAL\0C57P03\0Mpgha proxy: no standby is eligible for reads"
                + " (db3: not running)\0HConnect to the read-write port, or set"
                + " pgha.proxy.read-only.fallback-to-primary=true.\0\0");
        e.release();
    }

    @Test
    void theRefusalCertificateIsAValidSelfSignedCertificate() throws Exception {
        EphemeralCertificate c = EphemeralCertificate.generate("pgha-proxy");
        c.certificate().checkValidity();
        c.certificate().verify(c.certificate().getPublicKey());
        assertThat(c.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=pgha-proxy");
    }
}
