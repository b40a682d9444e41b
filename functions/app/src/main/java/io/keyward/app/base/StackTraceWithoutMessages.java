package io.keyward.app.base;

import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.CoreConstants;

/**
 * The stack trace of a logged exception with its frames and the class of each cause, but none of their messages: an
 * exception's message may carry SQL and the values bound into it, a token label, a path or a PIN a library put there,
 * and Keyward's log lines carry none of that. Where a line logs an exception, the line's own words say what failed and
 * the frames say where. Registered by {@link LogSetup} as {@code %stackWithoutMessages}.
 */
public class StackTraceWithoutMessages extends ThrowableHandlingConverter {

    @Override
    public String convert(ILoggingEvent event) {
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        append(out, "", thrown, 0);
        return out.toString();
    }

    private static void append(StringBuilder out, String prefix, IThrowableProxy thrown, int depth) {
        // a cycle of causes, or an absurdly deep chain, ends here instead of overflowing the stack
        if (thrown == null || depth > 32) {
            return;
        }
        out.append(prefix).append(thrown.getClassName()).append(CoreConstants.LINE_SEPARATOR);
        StackTraceElementProxy[] frames = thrown.getStackTraceElementProxyArray();
        int shown = frames.length - thrown.getCommonFrames();
        for (int i = 0; i < shown; i++) {
            out.append('\t').append(frames[i].getSTEAsString()).append(CoreConstants.LINE_SEPARATOR);
        }
        if (thrown.getCommonFrames() > 0) {
            out.append("\t... ").append(thrown.getCommonFrames()).append(" common frames omitted").append(CoreConstants.LINE_SEPARATOR);
        }
        IThrowableProxy[] suppressed = thrown.getSuppressed();
        if (suppressed != null) {
            for (IThrowableProxy s : suppressed) {
                append(out, "Suppressed: ", s, depth + 1);
            }
        }
        append(out, "Caused by: ", thrown.getCause(), depth + 1);
    }
}
