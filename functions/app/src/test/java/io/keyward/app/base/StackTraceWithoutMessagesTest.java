package io.keyward.app.base;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The production logging ({@link LogSetup}), as the host sets it up: exceptions logged with their frames and classes, no messages. */
class StackTraceWithoutMessagesTest {

    private static final String SQL = "INSERT INTO vault_keys (name) VALUES ('customer-secret-4711')";

    @Test
    void aLoggedExceptionShowsItsClassesAndFramesButNoMessage() throws Exception {
        SQLException cause = new SQLException("ERROR: duplicate key value violates unique constraint; " + SQL, "23505");
        IllegalStateException thrown = new IllegalStateException("wrapped: " + SQL, cause);
        thrown.addSuppressed(new IllegalArgumentException("suppressed: token label keyward-prod"));

        String out = logged("the store failed for vault {}", thrown, "v1");

        assertThat(out).contains("the store failed for vault v1")
                .contains("java.lang.IllegalStateException")
                .contains("Caused by: java.sql.SQLException")
                .contains("Suppressed: java.lang.IllegalArgumentException")
                .contains("at io.keyward.app.base.StackTraceWithoutMessagesTest.aLoggedExceptionShowsItsClassesAndFramesButNoMessage")
                .doesNotContain("customer-secret-4711").doesNotContain("INSERT").doesNotContain("keyward-prod")
                .doesNotContain("duplicate key");
    }

    @Test
    void aCycleOfCausesEnds() throws Exception {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);

        String out = logged("cyclic", a);

        assertThat(out).contains("cyclic").contains("Caused by: java.lang.RuntimeException");
    }

    @Test
    void aLineWithoutAnExceptionIsJustTheLine() throws Exception {
        assertThat(logged("plain {}", null, 1).strip()).endsWith("plain 1");
    }

    @Test
    void logbackStartsWithLogSetupUnlessAConfigurationFileIsGiven() {
        assertThat(ServiceLoader.load(Configurator.class, LogSetup.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::type)).contains(LogSetup.class);
        // the test class path has a logback-test.xml: that file, not LogSetup, configures the tests' logging
        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        assertThat(setup.configure(context)).isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }

    /** What the STDOUT appender of {@link LogSetup} (not logback-test.xml: what a deployed host prints) writes for a line. */
    private static String logged(String message, Throwable thrown, Object... args) throws Exception {
        LoggerContext context = new LoggerContext();
        try {
            LogSetup.apply(context);
            Logger logger = context.getLogger("io.keyward.app.test");
            @SuppressWarnings("unchecked")
            Encoder<ILoggingEvent> encoder = ((ConsoleAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME)
                    .getAppender("STDOUT")).getEncoder();
            return new String(encoder.encode(new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, thrown, args)),
                    StandardCharsets.UTF_8);
        } finally {
            context.stop();
        }
    }
}
