package io.keyward.app.base;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.hook.DefaultShutdownHook;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Keyward's logging, set up in code when logback starts (registered in {@code META-INF/services}): what a logback.xml
 * would say, without logback reading and interpreting XML, which took ~0.1 s of every cold start's critical path
 * (docs/benchmarks.md). A {@code logback.xml} or {@code logback-test.xml} on the class path, or
 * {@code -Dlogback.configurationFile}, takes its place.
 *
 * <ul>
 *   <li>One console appender, {@code STDOUT}: time, level, thread, logger, message; a logged exception through
 *       {@link StackTraceWithoutMessages} (classes and frames, no messages: they may carry SQL, values, token
 *       details).</li>
 *   <li>The access log ({@code keyward.access}, one line per response) through an {@link AsyncAppender}, so that a
 *       request does not wait for the console: the same line (thread, message and MDC are fixed when the request
 *       logs it), none dropped (discarding threshold 0; a full queue makes the request wait rather than lose its
 *       line).</li>
 *   <li>logback stopped on JVM exit, so that the access log's thread writes what is still queued.</li>
 *   <li>Levels: Keyward's own loggers INFO, everything else WARN; embedded PostgreSQL and Testcontainers (chatty at
 *       INFO) WARN; azure-core's JDK client ERROR (it warns on every request that java.net.http sets
 *       Content-Length itself).</li>
 * </ul>
 */
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n%stackWithoutMessages";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        ClassLoader loader = LogSetup.class.getClassLoader();
        if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null
                || loader.getResource(ClassicConstants.TEST_AUTOCONFIG_FILE) != null
                || loader.getResource(ClassicConstants.AUTOCONFIG_FILE) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        apply(context);
        DefaultShutdownHook hook = new DefaultShutdownHook();
        hook.setContext(context);
        Thread onExit = new Thread(hook, "Logback shutdown hook [" + context.getName() + "]");
        context.putObject(CoreConstants.SHUTDOWN_HOOK_THREAD, onExit);
        Runtime.getRuntime().addShutdownHook(onExit);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Appenders and levels as described above, without the shutdown hook (also for tests, on a context of their own). */
    static void apply(LoggerContext context) {
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.getInstanceConverterMap().put("stackWithoutMessages", StackTraceWithoutMessages::new);
        layout.setPattern(PATTERN);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("STDOUT");
        console.setEncoder(encoder);
        console.start();

        AsyncAppender access = new AsyncAppender();
        access.setContext(context);
        access.setName("ACCESS");
        access.setQueueSize(1024);
        access.setDiscardingThreshold(0);
        access.addAppender(console);
        access.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(console);
        context.getLogger("io.keyward").setLevel(Level.INFO);
        Logger accessLog = context.getLogger("keyward.access");
        accessLog.setLevel(Level.INFO);
        accessLog.setAdditive(false);
        accessLog.addAppender(access);
        context.getLogger("org.testcontainers").setLevel(Level.WARN);
        context.getLogger("io.zonky").setLevel(Level.WARN);
        context.getLogger("com.azure.core.http.jdk.httpclient.JdkHttpClient").setLevel(Level.ERROR);
    }
}
