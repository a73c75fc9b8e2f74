package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.testing.ManagedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The built {@code pghactl.jar}, run as a process against an admin API, as an operator runs it. */
record Pghactl(String url, Path tokenFile) {
    private static final Logger log = LoggerFactory.getLogger(Pghactl.class);

    record Result(int exit, String out) {
    }

    Result run(String... args) throws IOException, InterruptedException {
        Path jar = Path.of("..", "cli", "target", "pghactl.jar").toAbsolutePath().normalize();
        List<String> cmd = new ArrayList<>(List.of("-jar", jar.toString(), "--url", url, "--token-file",
                tokenFile.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(ManagedProcess.java(cmd)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("pghactl finished").isTrue();
        log.info("pghactl {} -> exit {}\n{}", String.join(" ", args), p.exitValue(), out);
        return new Result(p.exitValue(), out);
    }
}
