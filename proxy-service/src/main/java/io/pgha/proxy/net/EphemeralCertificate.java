package io.pgha.proxy.net;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A self-signed EC P-256 certificate made in memory at start, for refusals only: a client that insists on TLS
 * ({@code sslmode=require}) can then read why it was refused. Nothing else is ever encrypted with it — proxied
 * sessions do TLS with PostgreSQL itself. The JDK has no public API to make a certificate, and a
 * certificate library for these ~30 lines of DER was not worth its size.
 */
record EphemeralCertificate(PrivateKey privateKey, X509Certificate certificate) {
    private static final byte[] ECDSA_WITH_SHA256 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04,
            0x03, 0x02};
    private static final byte[] COMMON_NAME = {0x06, 0x03, 0x55, 0x04, 0x03};
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");

    static EphemeralCertificate generate(String commonName) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = g.generateKeyPair();
            byte[] algorithm = der(0x30, ECDSA_WITH_SHA256);
            byte[] name = der(0x30, der(0x31, der(0x30, COMMON_NAME,
                    der(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            byte[] validity = der(0x30, utcTime(now.minusDays(1)), utcTime(now.plusYears(10)));
            byte[] serial = new BigInteger(63, new SecureRandom()).add(BigInteger.ONE).toByteArray();
            byte[] tbs = der(0x30, der(0xa0, der(0x02, new byte[] {2})), der(0x02, serial), algorithm, name,
                    validity, name, keys.getPublic().getEncoded());
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(keys.getPrivate());
            signer.update(tbs);
            byte[] signature = signer.sign();
            byte[] bitString = new byte[signature.length + 1]; // leading 0: no unused bits
            System.arraycopy(signature, 0, bitString, 1, signature.length);
            byte[] cert = der(0x30, tbs, algorithm, der(0x03, bitString));
            X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(cert));
            return new EphemeralCertificate(keys.getPrivate(), parsed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the proxy's refusal certificate: " + e.getMessage(), e);
        }
    }

    private static byte[] utcTime(ZonedDateTime t) {
        return der(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    /** One DER tag-length-value over the concatenated parts. */
    private static byte[] der(int tag, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            body.writeBytes(p);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = body.size();
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n & 0xff);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }
}
