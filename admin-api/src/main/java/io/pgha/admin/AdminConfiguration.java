package io.pgha.admin;

import io.pgha.admin.auth.BearerAuthFilter;
import io.pgha.admin.auth.Tokens;
import io.pgha.admin.web.BodyLimitFilter;
import io.pgha.admin.web.ProblemErrorReportValve;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.time.Clock;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** The admin API's composition root: tokens (checked at startup), request filters, OpenAPI description. */
@Configuration(proxyBeanMethods = false)
class AdminConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    Tokens tokens(AdminProperties props) {
        return Tokens.resolve(props.auth());
    }

    /** First: an oversized body is refused before anything reads it. */
    @Bean
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter() {
        FilterRegistrationBean<BodyLimitFilter> r = new FilterRegistrationBean<>(new BodyLimitFilter());
        r.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return r;
    }

    @Bean
    FilterRegistrationBean<BearerAuthFilter> bearerAuthFilter(Tokens tokens) {
        FilterRegistrationBean<BearerAuthFilter> r = new FilterRegistrationBean<>(new BearerAuthFilter(tokens));
        r.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return r;
    }

    /** Container-level rejections (before any servlet) also answer problem+json. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
        });
    }

    @Bean
    OpenAPI pghaOpenApi() {
        return new OpenAPI()
                .info(new Info().title("pgha admin API").version("v1").description("Cluster view, spec, failover,"
                        + " switchover, keepers and maintenance of a pgha PostgreSQL cluster. Errors are RFC 9457"
                        + " problem+json. Mutations need the operator token, reads the viewer or operator token."))
                .components(new Components().addSecuritySchemes("bearer",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }
}
