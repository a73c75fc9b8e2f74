package io.pgha.admin;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** pgha admin-api: the REST API over the store: cluster view, spec, failover, switchover, keepers. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AdminApplication {
    public static void main(String[] args) {
        io.pgha.config.ShutdownDeadline.install();
        SpringApplication.run(AdminApplication.class, args);
    }
}
