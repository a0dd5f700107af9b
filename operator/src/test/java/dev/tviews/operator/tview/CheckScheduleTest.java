package dev.tviews.operator.tview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CheckScheduleTest {

    private static ConsistencyCheckSpec spec(String cron, String zone) {
        ConsistencyCheckSpec spec = new ConsistencyCheckSpec();
        spec.setSchedule(cron);
        spec.setTimeZone(zone);
        return spec;
    }

    @Test
    void readsFiveFieldCronInTheTimeZone() {
        CheckSchedule daily = CheckSchedule.parse(spec("30 2 * * *", "Europe/Paris"), "uid", Duration.ZERO);
        Instant next = daily.nextAfter(Instant.parse("2026-07-01T12:00:00Z"));
        assertThat(next.atZone(ZoneId.of("Europe/Paris")).toLocalTime().toString()).isEqualTo("02:30");
        assertThat(next).isEqualTo(Instant.parse("2026-07-02T00:30:00Z"));
    }

    @Test
    void jitterIsDeterministicPerResourceAndWithinItsWindow() {
        Duration window = Duration.ofSeconds(60);
        Instant after = Instant.parse("2026-07-01T12:00:30Z");
        Set<Instant> starts = new HashSet<>();
        IntStream.range(0, 200).forEach(i -> {
            Instant next = CheckSchedule.parse(spec("0 * * * *", "UTC"), "uid-" + i, window).nextAfter(after);
            assertThat(next).isAfter(after).isBefore(after.plus(Duration.ofHours(1)).plus(window));
            assertThat(Duration.ofSeconds(next.getEpochSecond() % 3600)).as("within the window after a slot")
                    .isLessThan(window);
            assertThat(CheckSchedule.parse(spec("0 * * * *", "UTC"), "uid-" + i, window).nextAfter(after)).isEqualTo(next);
            starts.add(next);
        });
        assertThat(starts).as("200 TViews do not all start at the same instant").hasSizeGreaterThan(50);
    }

    @Test
    void aDueTimeIsNotRepeatedRightAfterItRan() {
        CheckSchedule s = CheckSchedule.parse(spec("*/30 * * * *", "UTC"), "uid", Duration.ofSeconds(60));
        Instant first = s.nextAfter(Instant.parse("2026-07-01T12:00:00Z"));
        assertThat(s.nextAfter(first)).isEqualTo(first.plus(Duration.ofMinutes(30)));
    }

    @Test
    void rejectsInvalidCronAndTimeZoneWithReadableMessages() {
        assertThatThrownBy(() -> CheckSchedule.parse(spec("0 0 * *", "UTC"), "u", Duration.ZERO))
                .hasMessageContaining("invalid consistencyCheck.schedule '0 0 * *'").hasMessageContaining("5 fields");
        assertThatThrownBy(() -> CheckSchedule.parse(spec("0 0 * * *", "Nowhere/Atlantis"), "u", Duration.ZERO))
                .hasMessageContaining("Nowhere/Atlantis");
    }
}
