package io.pgha.keeper;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** pgha keeper-service: runs next to one PostgreSQL instance and makes it match the sentinel's plan. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class KeeperApplication {
    public static void main(String[] args) {
        io.pgha.config.ShutdownDeadline.install();
        SpringApplication.run(KeeperApplication.class, args);
    }
}
