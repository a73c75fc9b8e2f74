package io.pgha.sentinel;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** pgha sentinel-service: watches keepers and computes the cluster view; the elected leader fails over and switches over. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class SentinelApplication {
    public static void main(String[] args) {
        io.pgha.config.ShutdownDeadline.install();
        SpringApplication.run(SentinelApplication.class, args);
    }
}
