package io.pgha.proxy.net;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.pgha.proxy.ProxyProperties.RefusalTls;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server TLS context refusals are told through, from {@code pgha.proxy.refusal-tls}. */
final class RefusalTlsContext {
    private static final Logger log = LoggerFactory.getLogger(RefusalTlsContext.class);

    private RefusalTlsContext() {
    }

    /** The context, or null when refusal TLS is off. A certificate that cannot be read stops the start. */
    static SslContext of(RefusalTls tls) {
        if (!tls.enabled()) {
            return null;
        }
        try {
            if (tls.certificate() != null) {
                log.info("event=refusal-tls certificate={}", tls.certificate());
                return SslContextBuilder.forServer(tls.certificate().toFile(), tls.privateKey().toFile()).build();
            }
            EphemeralCertificate self = EphemeralCertificate.generate("pgha-proxy");
            log.info("event=refusal-tls certificate=self-signed");
            return SslContextBuilder.forServer(self.privateKey(), self.certificate()).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("pgha.proxy.refusal-tls: cannot use certificate "
                    + tls.certificate() + " with private key " + tls.privateKey() + ": " + e.getMessage(), e);
        }
    }
}
