package dev.tviews.operator.backup;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.api.Durations;
import dev.tviews.operator.database.ProbeConnections;
import dev.tviews.operator.jobs.BackupNames;

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
        // too long: the first characters, a hash of the whole policy name (sha256 "aa20c2..."), the suffix; 52 at most
        String longName = "x".repeat(200);
        assertThat(BackupNames.cronJob(longName, "physical")).isEqualTo("x".repeat(36) + "-aa20c2-physical").hasSize(52);
        assertThat(BackupNames.cronJob("y".repeat(200), "physical")).isNotEqualTo(BackupNames.cronJob(longName, "physical"));
        // backup-now: the first 8 hex digits of sha256 of the annotation value ("a" -> ca978112..., "b" -> 3e23e816...)
        assertThat(BackupNames.manualJob("nightly", "logical", "a")).isEqualTo("nightly-logical-now-ca978112");
        assertThat(BackupNames.manualJob("nightly", "logical", "b")).isEqualTo("nightly-logical-now-3e23e816");
        assertThat(BackupNames.scriptsConfigMap("nightly")).isEqualTo("nightly-scripts");
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
        assertThat(ProbeConnections.major(150018)).isEqualTo(15);
        assertThat(ProbeConnections.major(90624)).isEqualTo(9);
    }
}
