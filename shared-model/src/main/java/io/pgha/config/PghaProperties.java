package io.pgha.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code pgha.*} properties common to every service (README, Configuration). Environment variables bind by relaxed
 * binding: {@code PGHA_CLUSTER_NAME}, {@code PGHA_STORE_ENDPOINTS}, ...
 *
 * @param clusterName required: names the cluster's key root {@code <prefix>/<cluster-name>/}
 */
@ConfigurationProperties("pgha")
public record PghaProperties(String clusterName, @DefaultValue Store store) {

    public PghaProperties {
        if (clusterName == null || clusterName.isBlank()) {
            throw new MissingPropertyException("pgha.cluster-name", "PGHA_CLUSTER_NAME");
        }
        if (!clusterName.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new IllegalArgumentException("pgha.cluster-name '" + clusterName
                    + "' must be letters, digits, '.', '_' or '-'");
        }
    }

    /** The absolute key root of this cluster in the store. */
    public String storeRoot() {
        return io.pgha.store.StoreKeys.root(store.prefix(), clusterName);
    }

    public enum Backend { ETCDV3, CONSUL }

    /**
     * @param backend   etcdv3 (default) or consul
     * @param endpoints comma list of URLs, e.g. {@code http://127.0.0.1:2379}
     * @param prefix    the key prefix shared by all pgha clusters in this store
     * @param timeout   bound on every store call
     */
    public record Store(
            @DefaultValue("etcdv3") Backend backend,
            @DefaultValue("http://127.0.0.1:2379") List<String> endpoints,
            @DefaultValue("pgha") String prefix,
            @DefaultValue("2s") Duration timeout,
            @DefaultValue Tls tls,
            @DefaultValue Consul consul) {
    }

    public record Tls(String caFile, String certFile, String keyFile) {
        public boolean enabled() {
            return caFile != null || certFile != null;
        }
    }

    /** Consul ACL token, inline or (preferred) from a file. */
    public record Consul(String token, String tokenFile) {
    }
}
