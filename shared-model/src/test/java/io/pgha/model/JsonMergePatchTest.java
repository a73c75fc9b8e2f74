package io.pgha.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

class JsonMergePatchTest {

    /** The examples of RFC 7386 appendix A. */
    @ParameterizedTest(name = "{0} + {1} = {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "{'a':'b'}|{'a':'c'}|{'a':'c'}",
            "{'a':'b'}|{'b':'c'}|{'a':'b','b':'c'}",
            "{'a':'b'}|{'a':null}|{}",
            "{'a':'b','b':'c'}|{'a':null}|{'b':'c'}",
            "{'a':['b']}|{'a':'c'}|{'a':'c'}",
            "{'a':'c'}|{'a':['b']}|{'a':['b']}",
            "{'a':{'b':'c'}}|{'a':{'b':'d','c':null}}|{'a':{'b':'d'}}",
            "{'a':[{'b':'c'}]}|{'a':[1]}|{'a':[1]}",
            "['a','b']|['c','d']|['c','d']",
            "{'a':'b'}|['c']|['c']",
            "{'a':'foo'}|null|null",
            "{'a':'foo'}|'bar'|'bar'",
            "{'e':null}|{'a':1}|{'e':null,'a':1}",
            "[1,2]|{'a':'b','c':null}|{'a':'b'}",
            "{}|{'a':{'bb':{'ccc':null}}}|{'a':{'bb':{}}}"})
    void followsRfc7386(String target, String patch, String expected) {
        JsonNode result = JsonMergePatch.apply(json(target), json(patch));
        assertThat(result).isEqualTo(json(expected));
    }

    @Test
    void doesNotModifyItsArguments() {
        JsonNode target = json("{'a':{'b':1}}");
        JsonNode patch = json("{'a':{'b':null}}");
        JsonMergePatch.apply(target, patch);
        assertThat(target).isEqualTo(json("{'a':{'b':1}}"));
        assertThat(patch).isEqualTo(json("{'a':{'b':null}}"));
    }

    @Test
    void patchesASpecAndNullRestoresTheDefault() {
        ClusterSpec stored = ClusterSpecTest.read(
                "{\"failInterval\":\"10s\",\"pgParameters\":{\"work_mem\":\"8MB\",\"max_connections\":\"200\"}}");

        ClusterSpec patched = JsonMergePatch.apply(stored,
                json("{'failInterval':null,'synchronousReplication':true,'pgParameters':{'work_mem':null,"
                        + "'shared_buffers':'1GB'}}"));

        assertThat(patched.failInterval()).isNull();
        assertThat(patched.withDefaults().failInterval()).isEqualTo(ClusterSpec.DEFAULT_FAIL_INTERVAL);
        assertThat(patched.synchronousReplication()).isTrue();
        assertThat(patched.pgParameters()).containsOnlyKeys("max_connections", "shared_buffers")
                .containsEntry("shared_buffers", "1GB");
        assertThat(stored.pgParameters()).containsKey("work_mem");
    }

    private static JsonNode json(String s) {
        return JsonCodec.mapper().readTree(s.replace('\'', '"'));
    }
}
