package dev.tviews.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The Job image allow-list against image-name tricks, with the default list ({@code postgres}) and a custom one. */
class JobImagesTest {

    private static final String DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private final JobImages defaults = new JobImages(List.of("postgres"));

    @ParameterizedTest
    @ValueSource(strings = {
            "postgres", "postgres:16", "postgres:16.4-bookworm", "postgres@" + DIGEST, "postgres:16@" + DIGEST,
            "library/postgres:15", "docker.io/library/postgres:16", "docker.io/postgres:17",
            "index.docker.io/library/postgres:16", "registry-1.docker.io/library/postgres:14-alpine"})
    void theOfficialPostgresImagesAreAllowedWithAnyTagOrDigest(String image) {
        assertThat(defaults.problem("spec.image", image)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "postgres.evil.com/x", "postgres.evil.com/postgres:16", "postgres.evil.com/library/postgres:16",
            "evil/postgres", "evil/postgres:16", "docker.io/evil/postgres", "postgresx:16", "postgres-evil:16",
            "docker.io/library/postgres/evil:16", "docker.io/library/postgresql:16", "localhost/postgres:16",
            "localhost:5000/postgres:16", "ghcr.io/cloudnative-pg/postgresql:16", "library/postgres/x",
            "evil.io/docker.io/library/postgres:16", "docker.io.evil.com/library/postgres:16",
            "Postgres:16", "postgres :16", " postgres:16", "postgres:16 ", "postgres:16\nevil", "postgres:", "postgres@",
            "postgres@sha256:abc", "postgres:16@" + DIGEST + "x", "postgres:../../evil", "", "//postgres", "postgres//x",
            "postgres:16;evil/x:1", "postgres@" + DIGEST + "@" + DIGEST})
    void everythingElseIsRefused(String image) {
        assertThat(defaults.problem("spec.image", image)).as(image).isPresent();
    }

    @Test
    void theRefusalSaysWhichImageAndWhichSettingToChange() {
        assertThat(defaults.problem("spec.image", "evil/postgres:16")).hasValueSatisfying(m -> assertThat(m)
                .contains("spec.image 'evil/postgres:16'", "docker.io/evil/postgres", "[docker.io/library/postgres]",
                        "tview.operator.allowed-job-images", "jobs.allowedImages"));
    }

    @Test
    void entriesAreRepositoriesOrRegistryPrefixes() {
        JobImages custom = new JobImages(List.of("ghcr.io/cloudnative-pg/postgresql", "registry.example.com/dba/*",
                "mirror.example.com:5000/*", "postgres:16", "not a repository", " "));
        assertThat(custom.problem("spec.image", "ghcr.io/cloudnative-pg/postgresql:16.4")).isEmpty();
        assertThat(custom.problem("spec.image", "ghcr.io/cloudnative-pg/postgresql-evil:16")).isPresent();
        assertThat(custom.problem("spec.image", "ghcr.io/cloudnative-pg/postgis:16")).isPresent();
        assertThat(custom.problem("spec.image", "registry.example.com/dba/pg:16")).isEmpty();
        assertThat(custom.problem("spec.image", "registry.example.com/dba/tools/pg:16")).isEmpty();
        assertThat(custom.problem("spec.image", "registry.example.com/dba:16")).isPresent();
        assertThat(custom.problem("spec.image", "registry.example.com/dbax/pg:16")).isPresent();
        assertThat(custom.problem("spec.image", "registry.example.com.evil.io/dba/pg:16")).isPresent();
        assertThat(custom.problem("spec.image", "mirror.example.com:5000/anything/pg:16")).isEmpty();
        assertThat(custom.problem("spec.image", "mirror.example.com/anything/pg:16")).isPresent();
        // an entry with a tag is not a repository: ignored (and said so), so postgres is not allowed by it
        assertThat(custom.problem("spec.image", "postgres:16")).hasValueSatisfying(m -> assertThat(m)
                .contains("ignored, not repositories: postgres:16, not a repository"));
    }

    @Test
    void anEmptyListAllowsNothing() {
        assertThat(new JobImages(List.of()).problem("spec.image", "postgres:16")).hasValueSatisfying(m ->
                assertThat(m).contains("[empty]"));
    }
}
