package io.pgha.sentinel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgha.model.InvalidSpecException;
import io.pgha.model.Violation;
import org.junit.jupiter.api.Test;

class InitialClusterSpecTest {

    @Test
    void anUnknownFieldIsRefusedWithItsPathNotIgnored() {
        // A typo (or a field of a later version) in the initial spec would otherwise be accepted and do nothing.
        assertThatThrownBy(() -> InitialClusterSpec.read("{\"synchronousReplicaton\":true,\"backup\":{\"tool\":"
                + "\"pgbackrest\",\"shedule\":{}},\"pitrConfig\":{\"backup\":{\"sett\":\"x\"}}}"))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.violations())
                        .extracting(Violation::field).containsExactlyInAnyOrder("synchronousReplicaton",
                                "backup.shedule", "pitrConfig.backup.sett"));
    }

    @Test
    void aKnownSpecIsRead() {
        assertThat(InitialClusterSpec.read("{\"backup\":{\"tool\":\"pgbackrest\",\"options\":{\"repo1-path\":\"/b\"}}}"))
                .hasValueSatisfying(s -> assertThat(s.backup().options()).containsEntry("repo1-path", "/b"));
    }
}
