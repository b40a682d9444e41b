package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class NcrontabScheduleTest {

    // a Friday
    private static final ZonedDateTime FRI = ZonedDateTime.parse("2026-11-20T09:29:58Z");

    @Test
    void everyFiveSeconds() {
        NcrontabSchedule s = NcrontabSchedule.parse("*/5 * * * * *");
        assertThat(s.next(FRI)).isEqualTo("2026-11-20T09:30:00Z");
        assertThat(s.next(ZonedDateTime.parse("2026-11-20T09:30:00Z"))).isEqualTo("2026-11-20T09:30:05Z");
        assertThat(s.next(ZonedDateTime.parse("2026-12-31T23:59:57Z"))).isEqualTo("2027-01-01T00:00:00Z");
    }

    @Test
    void weekdaysAtHalfPastNine() {
        NcrontabSchedule s = NcrontabSchedule.parse("0 30 9 * * 1-5");
        assertThat(s.next(FRI)).isEqualTo("2026-11-20T09:30:00Z");
        // after Friday's run the next weekday is Monday
        assertThat(s.next(ZonedDateTime.parse("2026-11-20T09:30:00Z"))).isEqualTo("2026-11-23T09:30:00Z");
    }

    @Test
    void everyMinuteListsNamesAndRanges() {
        assertThat(NcrontabSchedule.parse("0 */1 * * * *").next(FRI)).isEqualTo("2026-11-20T09:30:00Z");
        assertThat(NcrontabSchedule.parse("0 0 0,12 * * *").next(FRI)).isEqualTo("2026-11-20T12:00:00Z");
        assertThat(NcrontabSchedule.parse("0 0 8 * Jan Sun").next(FRI)).isEqualTo("2027-01-03T08:00:00Z");
        assertThat(NcrontabSchedule.parse("0 15-45/15 * * * *").next(FRI)).isEqualTo("2026-11-20T09:30:00Z");
        assertThat(NcrontabSchedule.parse("0 0 0 29 2 *").next(FRI)).isEqualTo("2028-02-29T00:00:00Z");
        assertThat(NcrontabSchedule.parse("0 0 0 * * 7").next(FRI)).isEqualTo("2026-11-22T00:00:00Z");
    }

    @Test
    void rejectsWhatTheRuntimeRejects() {
        assertThatThrownBy(() -> NcrontabSchedule.parse("*/5 * * * *")).hasMessageContaining("6 fields");
        assertThatThrownBy(() -> NcrontabSchedule.parse("0 60 * * * *")).hasMessageContaining("0-59");
        assertThatThrownBy(() -> NcrontabSchedule.parse("0 0 0 31 2 *").next(FRI)).hasMessageContaining("never fires");
    }
}
