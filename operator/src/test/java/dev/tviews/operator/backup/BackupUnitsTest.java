package dev.tviews.operator.backup;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.api.Durations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Plain unit tests: names, durations, schedules, summary parsing. */
class BackupUnitsTest {

    @Test
    void namesAreDeterministicAndBounded() {
        assertThat(BackupNames.cronJob("nightly", "logical")).isEqualTo("nightly-logical");
        String longName = "x".repeat(200);
        assertThat(BackupNames.cronJob(longName, "physical")).hasSizeLessThanOrEqualTo(52).endsWith("-physical")
                .isEqualTo(BackupNames.cronJob(longName, "physical"));
        assertThat(BackupNames.cronJob(longName, "physical")).isNotEqualTo(BackupNames.cronJob("y".repeat(200), "physical"));
        assertThat(BackupNames.manualJob("nightly", "logical", "a")).isNotEqualTo(BackupNames.manualJob("nightly", "logical", "b"))
                .isEqualTo(BackupNames.manualJob("nightly", "logical", "a")).startsWith("nightly-logical-now-");
    }

    @Test
    void durationsAndSchedules() {
        assertThat(Durations.parse("x", "90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("x", "24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("x", "2w")).isEqualTo(Duration.ofDays(14));
        assertThatThrownBy(() -> Durations.parse("spec.rpoTarget", "1.5h")).hasMessageContaining("spec.rpoTarget");
        CronSchedule s = CronSchedule.parse("spec.schedule", "0 6 * * *", "spec.timeZone", "Europe/Paris");
        Instant next = s.nextAfter(Instant.parse("2025-03-31T05:00:00Z"));
        assertThat(next.atZone(ZoneId.of("Europe/Paris")).getHour()).isEqualTo(6);
        assertThat(next).isEqualTo(Instant.parse("2025-04-01T04:00:00Z"));
        assertThatThrownBy(() -> CronSchedule.parse("spec.schedule", "* * * *", "spec.timeZone", "UTC")).hasMessageContaining("5 fields");
    }

    @Test
    void theSummaryIsTheLastJsonLineOfTheMessage() {
        String logs = "2025-03-31T06:00:00Z [backup] dumping\n{\"name\":\"n\",\"status\":\"succeeded\",\"verified\":true}\n";
        assertThat(JobResults.summary(logs)).hasValueSatisfying(n -> assertThat(n.get("name").asText()).isEqualTo("n"));
        assertThat(JobResults.summary("ERROR: pg_dump failed")).isEmpty();
        assertThat(ServerVersionProbe.major(150018)).isEqualTo(15);
        assertThat(ServerVersionProbe.major(90624)).isEqualTo(9);
    }
}
