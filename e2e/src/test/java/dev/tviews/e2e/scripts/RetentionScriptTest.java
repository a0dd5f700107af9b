package dev.tviews.e2e.scripts;

import dev.tviews.e2e.support.Scripts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** retention.sh on simulated backup directories: the time comes from NOW and the directory names. */
class RetentionScriptTest {

    static final long NOW = Instant.parse("2025-03-31T12:00:00Z").getEpochSecond();

    @TempDir
    Path root;

    @Test
    void keepsAndDeletesExactlyTheRightDirectories() throws IOException {
        backup("20250101T060000Z-logical", "succeeded", true);   // old, a newer verified one exists → delete
        backup("20250115T060000Z-logical", "succeeded", true);   // old, but the newest verified → keep
        backup("20250201T060000Z-logical", "succeeded", false);  // old → delete
        backup("20250310T060000Z-logical", "succeeded", false);  // beyond KEEP_LAST but younger than MAX_AGE → keep
        backup("20250330T060000Z-logical", "succeeded", false);  // newest 2 → keep
        backup("20250331T060000Z-logical", "succeeded", false);  // newest 2 → keep
        backup("20250331T070000Z-logical", "failed", false);     // newest failed → keep
        backup("20250320T060000Z-logical", "failed", false);     // 2nd failed → keep
        backup("20250101T070000Z-logical", "failed", false);     // 3rd failed → delete
        Files.createDirectories(root.resolve("20241201T000000Z-logical")); // no manifest = failed, 5th → delete
        Files.createDirectories(root.resolve(".tmp-20250331T110000Z-logical")); // may be running → keep
        Files.createDirectories(root.resolve(".tmp-20250101T000000Z-logical")); // abandoned = failed, 4th → delete
        backup("20250101T000000Z-physical", "succeeded", true);  // per method: the newest 2 physical → keep
        backup("20250102T000000Z-physical", "succeeded", false); //   (even though older than MAX_AGE)
        Files.createDirectories(root.resolve("20250101T000000Z-unknown")); // not ours → untouched
        Files.createDirectories(root.resolve("lost+found"));
        Files.writeString(root.resolve("README"), "not a backup");

        Scripts.Run run = Scripts.run("retention.sh", Map.of("BACKUP_ROOT", root.toString(), "KEEP_LAST", "2",
                "MAX_AGE", "30d", "KEEP_FAILED", "2", "NOW", String.valueOf(NOW)));
        assertThat(run.exit()).as(run.toString()).isZero();

        assertThat(entries()).containsExactlyInAnyOrder(
                "20250115T060000Z-logical", "20250310T060000Z-logical", "20250330T060000Z-logical",
                "20250331T060000Z-logical", "20250331T070000Z-logical", "20250320T060000Z-logical",
                ".tmp-20250331T110000Z-logical", "20250101T000000Z-physical", "20250102T000000Z-physical",
                "20250101T000000Z-unknown", "lost+found", "README");
        assertThat(run.stdout())
                .contains("delete 20250101T060000Z-logical: older than MAX_AGE")
                .contains("keep 20250115T060000Z-logical: newest verified logical backup (never deleted)")
                .contains("delete 20250201T060000Z-logical: older than MAX_AGE")
                .contains("keep 20250310T060000Z-logical: younger than MAX_AGE")
                .contains("delete 20250101T070000Z-logical: failed backup beyond KEEP_FAILED=2")
                .contains("delete .tmp-20250101T000000Z-logical: failed backup beyond KEEP_FAILED=2")
                .contains("delete 20241201T000000Z-logical: failed backup beyond KEEP_FAILED=2")
                .contains("keep .tmp-20250331T110000Z-logical: unfinished")
                .contains("retention: kept 9, deleted 5");
    }

    @Test
    void keepLastAloneDeletesOlderSuccessfulBackupsButNeverTheNewestVerified() throws IOException {
        backup("20250301T000000Z-logical", "succeeded", true);
        backup("20250302T000000Z-logical", "succeeded", false);
        backup("20250303T000000Z-logical", "succeeded", false);
        backup("20250304T000000Z-logical", "succeeded", false);
        Scripts.Run run = Scripts.run("retention.sh", Map.of("BACKUP_ROOT", root.toString(), "KEEP_LAST", "1",
                "NOW", String.valueOf(NOW)));
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(entries()).containsExactlyInAnyOrder("20250304T000000Z-logical", "20250301T000000Z-logical");
    }

    @Test
    void maxAgeAloneAndHours() throws IOException {
        backup("20250331T000000Z-metadata", "succeeded", false);   // 12h old
        backup("20250330T230000Z-metadata", "succeeded", true);    // 13h old, the newest verified → kept
        backup("20250330T220000Z-metadata", "succeeded", false);   // 14h old → deleted
        Scripts.Run run = Scripts.run("retention.sh", Map.of("BACKUP_ROOT", root.toString(), "MAX_AGE", "12h",
                "NOW", String.valueOf(NOW)));
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(entries()).containsExactlyInAnyOrder("20250331T000000Z-metadata", "20250330T230000Z-metadata");
    }

    @Test
    void dryRunDeletesNothing() throws IOException {
        backup("20250101T000000Z-logical", "succeeded", false);
        backup("20250102T000000Z-logical", "succeeded", false);
        Scripts.Run run = Scripts.run("retention.sh", Map.of("BACKUP_ROOT", root.toString(), "KEEP_LAST", "1",
                "DRY_RUN", "1", "NOW", String.valueOf(NOW)));
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("delete 20250101T000000Z-logical", "dry run");
        assertThat(entries()).hasSize(2);
    }

    @Test
    void badSettingsFailClearly() {
        for (Map<String, String> env : List.of(
                Map.of("BACKUP_ROOT", root.toString(), "MAX_AGE", "30x"),
                Map.of("BACKUP_ROOT", root.toString(), "KEEP_LAST", "-1"),
                Map.of("BACKUP_ROOT", root.resolve("missing").toString(), "KEEP_LAST", "1"))) {
            Scripts.Run run = Scripts.run("retention.sh", env);
            assertThat(run.exit()).as(run.toString()).isNotZero();
            assertThat(run.stderr()).contains("ERROR:");
        }
    }

    private void backup(String name, String status, boolean verified) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.writeString(dir.resolve("manifest.json"), "{\n  \"name\": \"" + name + "\",\n  \"status\": \"" + status
                + "\",\n  \"verified\": " + verified + "\n}\n");
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
