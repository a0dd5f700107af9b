package dev.tviews.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs in {@code crds/} equal what the build generates from the Java classes (the Quarkus Operator
 * SDK writes them to {@code target/kubernetes} while building the application this test starts).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class CrdsUpToDateTest {

    private static final Path GENERATED = Path.of("target/kubernetes");

    @Test
    void committedCrdsMatchTheGeneratedOnes() throws IOException {
        var generated = HelmChartTest.fileNames(GENERATED).stream().filter(n -> n.endsWith("-v1.yml")).toList();
        assertThat(generated).as("generated CRDs in %s", GENERATED.toAbsolutePath()).isNotEmpty();
        assertThat(HelmChartTest.fileNames(RepoPaths.crds())).as("crds/ holds exactly the generated CRDs; run 'make crds'")
                .isEqualTo(generated);
        for (String name : generated) {
            assertThat(Files.readString(RepoPaths.crds().resolve(name)))
                    .as("crds/%s is stale: run 'make crds' and commit the result", name)
                    .isEqualTo(Files.readString(GENERATED.resolve(name)));
        }
    }
}
