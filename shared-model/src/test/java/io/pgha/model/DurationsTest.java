package io.pgha.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"500ms,500", "5s,5000", "1m30s,90000", "2h,7200000", "1.5s,1500", "0s,0", "1h1m1s,3661000"})
    void parsesGoStyleDurations(String text, long millis) {
        assertThat(Durations.tryParse(text)).contains(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "''{0}'' is rejected")
    @ValueSource(strings = {"", "5", "5 s", "-5s", "5d", "s", "1m 30s", "abc", "5s5"})
    void rejectsAnythingElse(String text) {
        assertThat(Durations.tryParse(text)).isEmpty();
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("invalid duration");
    }

    @ParameterizedTest(name = "{0} formats and parses back")
    @ValueSource(strings = {"500ms", "5s", "1m30s", "2h", "1h1m1s", "0s"})
    void formatIsTheInverseOfParse(String text) {
        assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }
}
