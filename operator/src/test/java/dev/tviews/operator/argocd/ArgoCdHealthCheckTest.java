package dev.tviews.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs {@code docs/argocd/health.lua} under a real Lua 5.1 interpreter (Argo CD's gopher-lua implements Lua 5.1), the
 * way Argo CD does: the live object as the global {@code obj}, the script's returned table read for {@code status}
 * and {@code message}. Each fixture in {@code src/test/resources/argocd/} is a TView as the API server returns it; the
 * test turns its JSON into a Lua table literal.
 *
 * <p>{@code lua5.1} missing is a failure with the install command, never a skip.
 */
public class ArgoCdHealthCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The interpreter; -Dtviews.lua=... points elsewhere (e.g. to show the failure when it is missing). */
    private static final String LUA = System.getProperty("tviews.lua", "lua5.1");
    private static final String INSTALL_HINT = "The Argo CD health check tests need the Lua 5.1 interpreter '" + LUA
            + "'. Install it with: apt-get install -y lua5.1 (or run hack/ensure-tools.sh lua)";

    static final Path healthLua = repoRoot().resolve("docs/argocd/health.lua");

    @BeforeAll
    static void findScriptAndInterpreter() {
        assertThat(healthLua).as("the health check script").isRegularFile();
        assertThat(luaOnPath()).as(INSTALL_HINT).isTrue();
    }

    /**
     * Shapes no operator test can catch reliably (before the first status write; a status without conditions) and
     * rule 3's Degraded branch (Stalled at a generation that was applied: a source changed under an applied
     * definition), with reasons the operator emits. Every state the operator is driven into is tested on the object
     * it wrote, in {@code TViewArgoCdHealthTest}.
     */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("no-status", "Progressing", "Waiting for the operator to reconcile this TView"),
                Arguments.of("observed-without-conditions", "Progressing", "Waiting for the Ready condition"),
                Arguments.of("stalled-after-applied", "Degraded", "InvalidDefinition: column p.data does not exist"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("cases")
    void healthOfFixture(String fixture, String status, String message) throws Exception {
        JsonNode tview = JSON.readTree(readFixture(fixture));
        Map<String, String> health = runHealthCheck(tview);
        assertThat(health).as("health of fixture %s.json", fixture)
                .containsEntry("status", status)
                .containsEntry("message", message);
    }

    @Test
    void everyFixtureIsCovered() throws IOException {
        List<String> covered = cases().map(a -> (String) a.get()[0]).sorted().toList();
        try (Stream<Path> files = Files.list(fixturesDir())) {
            assertThat(files.map(p -> p.getFileName().toString().replaceAll("\\.json$", "")).sorted().toList())
                    .isEqualTo(covered);
        }
    }

    @Test
    void luaLiteralsKeepStringsIntact() throws Exception {
        JsonNode tview = JSON.readTree("""
                {"metadata":{"generation":1},"status":{"observedGeneration":1,"lastAppliedGeneration":1,
                 "conditions":[{"type":"Ready","status":"False","reason":"X",
                   "message":"quote \\" backslash \\\\ newline\\n tab\\t ]] end of long string é"}]}}""");
        assertThat(runHealthCheck(tview)).containsEntry("status", "Degraded")
                .containsEntry("message", "X: quote \" backslash \\ newline\n tab\t ]] end of long string é");
    }

    @Test
    void readmeCarriesTheScriptVerbatim() throws IOException {
        String readme = Files.readString(repoRoot().resolve("docs/argocd/README.md"));
        String indented = Files.readString(healthLua).lines().map(l -> l.isEmpty() ? "" : "      " + l)
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(readme).as("docs/argocd/README.md embeds health.lua (indented 6 spaces) in the argocd-cm snippet")
                .contains("resource.customizations.health.tviews.dev_TView: |\n" + indented);
    }

    /** Runs health.lua with {@code obj} set to {@code object}; returns status and message. */
    public static Map<String, String> runHealthCheck(JsonNode object) throws IOException, InterruptedException {
        assertThat(luaOnPath()).as(INSTALL_HINT).isTrue();
        Path driver = Files.createTempFile("argocd-health-driver", ".lua");
        driver.toFile().deleteOnExit();
        String script = "obj = " + toLua(object) + "\n"
                + "local hs = dofile(" + luaString(healthLua.toString()) + ")\n"
                + "assert(type(hs) == 'table', 'health.lua must return a table')\n"
                + "io.write(tostring(hs.status), '\\0', tostring(hs.message), '\\0')\n";
        Files.writeString(driver, script, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(LUA, driver.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("lua5.1 finished").isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("lua5.1 exit code; output:\n%s\ndriver:\n%s", text, script).isZero();
        String[] parts = text.split("\0", -1);
        assertThat(parts).as("status and message from: %s", text).hasSizeGreaterThanOrEqualTo(2);
        return Map.of("status", parts[0], "message", parts[1]);
    }

    /** A Lua table constructor for a JSON value (null becomes nil, i.e. the key is absent, as in Argo CD). */
    static String toLua(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "nil";
        }
        if (node.isObject()) {
            List<String> fields = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                fields.add("[" + luaString(e.getKey()) + "]=" + toLua(e.getValue()));
            }
            return "{" + String.join(", ", fields) + "}";
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(n -> items.add(toLua(n)));
            return "{" + String.join(", ", items) + "}";
        }
        if (node.isBoolean()) {
            return node.booleanValue() ? "true" : "false";
        }
        if (node.isNumber()) {
            return node.asText();
        }
        return luaString(node.asText());
    }

    /** A Lua string literal: every byte outside printable ASCII as a decimal escape, so any content survives. */
    static String luaString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (byte raw : s.getBytes(StandardCharsets.UTF_8)) {
            int c = raw & 0xff;
            if (c == '"' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7f) {
                b.append((char) c);
            } else {
                b.append('\\').append(String.format("%03d", c));
            }
        }
        return b.append('"').toString();
    }

    private static String readFixture(String name) throws IOException {
        return Files.readString(fixturesDir().resolve(name + ".json"));
    }

    private static Path fixturesDir() {
        return repoRoot().resolve("operator/src/test/resources/argocd");
    }

    private static boolean luaOnPath() {
        try {
            Process p = new ProcessBuilder(LUA, "-v").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static Path repoRoot() {
        String fromMaven = System.getProperty("tviews.repo.root");
        Path root = fromMaven != null ? Path.of(fromMaven) : Path.of("..").toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("docs/argocd/health.lua")) && Files.isRegularFile(Path.of("docs/argocd/health.lua"))) {
            root = Path.of("").toAbsolutePath();
        }
        return root;
    }
}
