package io.keyward.local;

import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * An Azure Functions timer schedule: six-field NCRONTAB {@code {second} {minute} {hour} {day} {month} {day-of-week}}
 * with {@code *}, lists ({@code 1,5}), ranges ({@code 1-5}), steps ({@code *}{@code /5}, {@code 10-30/5}) and
 * English month / day names. Day of week 0 and 7 are Sunday.
 *
 * <p>As in NCrontab (which the Functions host uses), a time must match the day-of-month AND the day-of-week
 * field; classic cron's "either" rule does not apply.
 */
public final class NcrontabSchedule {

    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    /** Past this, the expression cannot match any real date (e.g. 30 February). */
    private static final int SEARCH_YEARS = 8;

    private final String expression;
    private final BitSet seconds;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet days;
    private final BitSet months;
    private final BitSet daysOfWeek;

    private NcrontabSchedule(String expression, String[] f) {
        this.expression = expression;
        this.seconds = field(f[0], 0, 59, List.of());
        this.minutes = field(f[1], 0, 59, List.of());
        this.hours = field(f[2], 0, 23, List.of());
        this.days = field(f[3], 1, 31, List.of());
        this.months = field(f[4], 1, 12, MONTHS);
        BitSet dow = field(f[5], 0, 7, DAYS);
        if (dow.get(7)) {
            dow.set(0);
        }
        this.daysOfWeek = dow;
    }

    public static NcrontabSchedule parse(String expression) {
        String[] f = expression.trim().split("\\s+");
        if (f.length != 6) {
            throw new IllegalArgumentException("NCRONTAB needs 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}): '"
                    + expression + "'");
        }
        return new NcrontabSchedule(expression.trim(), f);
    }

    /** The first matching time strictly after {@code after}, at whole seconds, in the zone of {@code after}. */
    public ZonedDateTime next(ZonedDateTime after) {
        ZonedDateTime t = after.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        ZonedDateTime limit = t.plusYears(SEARCH_YEARS);
        while (t.isBefore(limit)) {
            if (!months.get(t.getMonthValue())) {
                t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
            } else if (!days.get(t.getDayOfMonth()) || !daysOfWeek.get(t.getDayOfWeek().getValue() % 7)) {
                t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
            } else if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!minutes.get(t.getMinute())) {
                t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            } else if (!seconds.get(t.getSecond())) {
                t = t.plusSeconds(1);
            } else {
                return t;
            }
        }
        throw new IllegalStateException("schedule '" + expression + "' never fires");
    }

    @Override
    public String toString() {
        return expression;
    }

    private static BitSet field(String text, int min, int max, List<String> names) {
        BitSet bits = new BitSet(max + 1);
        for (String part : text.split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = Integer.parseInt(part.substring(slash + 1));
                range = part.substring(0, slash);
                if (step < 1) {
                    throw new IllegalArgumentException("step must be positive in '" + text + "'");
                }
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else {
                int dash = range.indexOf('-');
                from = value(dash < 0 ? range : range.substring(0, dash), names, min);
                // "5/15" means from 5 to the end, every 15
                to = dash < 0 ? (slash >= 0 ? max : from) : value(range.substring(dash + 1), names, min);
            }
            if (from < min || to > max || from > to) {
                throw new IllegalArgumentException("'" + part + "' is outside " + min + "-" + max);
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int value(String token, List<String> names, int min) {
        int named = names.indexOf(token.toUpperCase(Locale.ROOT));
        if (named >= 0) {
            return named + min;
        }
        try {
            return Integer.parseInt(token);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number or name: '" + token + "'");
        }
    }
}
