package io.pgha.proxy;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** pgha proxy-service: routes clients to the current primary, never to an old one. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ProxyApplication {
    public static void main(String[] args) {
        io.pgha.config.ShutdownDeadline.install();
        SpringApplication.run(ProxyApplication.class, args);
    }
}
