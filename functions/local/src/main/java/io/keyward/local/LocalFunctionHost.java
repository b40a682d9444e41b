package io.keyward.local;

import io.keyward.devenv.Databases;
import io.keyward.devenv.KeywardHome;
import io.keyward.devenv.LocalDatabase;
import io.micronaut.azure.function.AzureFunction;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

/**
 * The local function host: a small emulator of the Azure Functions host for keyward-azure.
 *
 * <ul>
 *   <li>PostgreSQL from {@link Databases} ({@code KEYWARD_DATABASE_URL}, else Docker, else embedded in
 *       {@code .keyward/postgres});</li>
 *   <li>the HSM from {@code KEYWARD_HSM_LIBRARY}, {@code KEYWARD_HSM_TOKEN_LABEL}, {@code KEYWARD_HSM_PIN}
 *       (and {@code SOFTHSM2_CONF}), exported by {@code ./keyward run};</li>
 *   <li>HTTPS on {@code KEYWARD_BIND}:{@code KEYWARD_PORT} (127.0.0.1:7443; port 0 = any free port) with TLS
 *       material from {@link LocalTls} in {@code .keyward/tls}, served by {@link FunctionServer} (Netty) within the
 *       time, size and connection limits of {@link ServerLimits};</li>
 *   <li>every {@code @FunctionName} in package {@code io.keyward.azure}: HTTP functions by route and method,
 *       timer functions on their NCRONTAB schedule, and on demand through {@code POST /admin/functions/{name}}
 *       (loopback callers only, like the runtime's admin API) or {@link #fireTimer}.</li>
 * </ul>
 *
 * Run after {@code mvn -B -DskipTests -pl functions/local -am package}, from the repository root:
 * {@code java -cp "functions/local/target/classes:$(cat functions/local/target/classpath.txt)" io.keyward.local.LocalFunctionHost}
 */
public final class LocalFunctionHost implements AutoCloseable {

    public static final int DEFAULT_PORT = 7443;
    static final String FUNCTIONS_PACKAGE = "io.keyward.azure";
    private static final List<String> HSM_SETTINGS = List.of("KEYWARD_HSM_LIBRARY", "KEYWARD_HSM_TOKEN_LABEL", "KEYWARD_HSM_PIN");

    private final LocalDatabase database;
    private final SharedContext context;
    private final FunctionCatalog catalog;
    private final LocalTls tls;
    private final FunctionServer server;
    private final TimerScheduler timers = new TimerScheduler();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalFunctionHost(LocalDatabase database, SharedContext context, FunctionCatalog catalog, LocalTls tls,
                              FunctionServer server) {
        this.database = database;
        this.context = context;
        this.catalog = catalog;
        this.tls = tls;
        this.server = server;
    }

    /**
     * Thrown when the environment lacks what {@code ./keyward run} exports, or a setting does not parse; its message
     * tells the user what to do.
     */
    public static final class MissingSettingsException extends IllegalStateException {
        MissingSettingsException(String message) {
            super(message);
        }
    }

    /**
     * Starts the host with {@code env} as its environment (the process environment in {@link #main}; tests add
     * their own token and port). Returns once it accepts connections.
     */
    public static LocalFunctionHost start(Map<String, String> env) {
        List<String> missing = HSM_SETTINGS.stream().filter(k -> env.get(k) == null || env.get(k).isBlank()).toList();
        if (!missing.isEmpty()) {
            throw new MissingSettingsException("The local function host needs the HSM token settings " + missing
                    + ". Start it with ./keyward run, which initialises the SoftHSM2 token (softhsm-config/init-token.sh)"
                    + " and exports SOFTHSM2_CONF, KEYWARD_HSM_LIBRARY, KEYWARD_HSM_TOKEN_LABEL and KEYWARD_HSM_PIN.");
        }
        if (env.get("KEYWARD_HSM_LIBRARY").contains("softhsm") && env.get("SOFTHSM2_CONF") == null) {
            throw new MissingSettingsException("SOFTHSM2_CONF is not set, so SoftHSM2 would look for tokens in the system"
                    + " directory. Start the host with ./keyward run.");
        }
        Path state = KeywardHome.stateDir(env);
        int port = Integer.parseInt(env.getOrDefault("KEYWARD_PORT", Integer.toString(DEFAULT_PORT)));
        String bind = env.getOrDefault("KEYWARD_BIND", "127.0.0.1");
        ServerLimits limits = ServerLimits.from(env);

        long started = System.nanoTime();
        // (micronaut-azure's AzureFunction, which holds the one context, starts logback when it loads)
        if (SharedContext.running()) {
            throw new IllegalStateException("a function host is already running in this JVM");
        }
        LoggerFactory.getILoggerFactory();
        long logging = System.nanoTime();
        // After logback's start, which they would only slow down (zonky's start logs, and slf4j would queue what it
        // logs during logback's start and print a warning when it replays it): steps on threads of their own while
        // this one binds the socket. PostgreSQL's start (or its URL), awaited before the app's context starts, so
        // the context's first request still sees a migrated schema; the scan of the function classes (loading them
        // verifies the Azure Functions library's signed jars, which AppCDS cannot archive), awaited once the context
        // runs, since instantiating them injects the app's controllers; the TLS material, awaited before serving.
        Pending<LocalDatabase> pending = Pending.start("keyward-database-start",
                () -> Databases.start(state.resolve("postgres"), env));
        Pending<Functions> scan = Pending.start("keyward-function-scan", () -> {
            FunctionSettings settings = FunctionSettings.load(env);
            return new Functions(settings, FunctionCatalog.scan(FUNCTIONS_PACKAGE, settings.routePrefix()));
        });
        Pending<LocalTls> pendingTls = Pending.start("keyward-tls", () -> LocalTls.ensure(state.resolve("tls")));
        LocalDatabase database = null;
        SharedContext context = null;
        FunctionServer server = null;
        try {
            // Bound before the app starts: with port 0 only the bound socket knows the port, and the app needs
            // it for its token issuer (keyward.identity.authority).
            server = FunctionServer.bind(new InetSocketAddress(bind, port), limits);
            long serverBound = System.nanoTime();
            database = pending.await();
            Map<String, Object> properties = appProperties(env, database);
            properties.putAll(addressProperties(server.address()));
            long contextStart = System.nanoTime();
            context = new SharedContext(AzureFunction.defaultApplicationContextBuilder().properties(properties));
            long contextUp = System.nanoTime();
            Functions functions = scan.await();
            FunctionSettings settings = functions.settings();
            FunctionCatalog catalog = functions.declared().instantiate();
            LocalTls tls = pendingTls.await();

            LocalFunctionHost host = new LocalFunctionHost(database, context, catalog, tls, server);
            server.serve(tls.sslContext(), catalog, context.headerAuthentication(), host::fireTimer);
            for (FunctionCatalog.TimerFunction t : catalog.timers().values()) {
                host.timers.schedule(t.name(), NcrontabSchedule.parse(settings.resolve(t.schedule())), host::fireTimer);
            }
            host.printBanner(settings);
            // where a cold start goes (docs/benchmarks.md): logback's start; then the database beside the socket,
            // TLS and the function scan, counted from logback's end; then the context (Flyway, beans; the HSM opens
            // on a thread of its own), then the functions' instances
            long now = System.nanoTime();
            System.out.printf("  started in %d ms: logging %d ms, then database %d ms beside socket %d ms, TLS %d ms"
                            + " and function scan %d ms; application context (Flyway, beans) %d ms, functions %d ms%n",
                    millis(started, now), millis(started, logging), millis(logging, pending.doneAt()),
                    millis(logging, serverBound), millis(logging, pendingTls.doneAt()), millis(logging, scan.doneAt()),
                    millis(contextStart, contextUp), millis(contextUp, now));
            return host;
        } catch (RuntimeException | Error e) {
            if (server != null) {
                server.close();
            }
            if (database == null) {
                database = pending.awaitQuietly();
            }
            cleanUp(database, context);
            throw e;
        }
    }

    /** The scan's result: the function app's settings and its function methods, not yet instantiated. */
    private record Functions(FunctionSettings settings, FunctionCatalog.Declared declared) {
    }

    private static long millis(long from, long to) {
        return (to - from) / 1_000_000;
    }

    public static void main(String[] args) {
        // Netty's buffer and handshake events would initialise JFR's event machinery at the first connection
        // (~0.1 s of a cold start); nobody records them here. -Dio.netty.jfr.enabled=true turns them back on.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        LocalFunctionHost host;
        try {
            host = start(System.getenv());
        } catch (MissingSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // The server's event loops keep the JVM alive; Ctrl-C (SIGINT) runs this hook.
        Runtime.getRuntime().addShutdownHook(new Thread(host::close, "keyward-host-shutdown"));
    }

    public int port() {
        return server.address().getPort();
    }

    public URI baseUri() {
        return URI.create("https://" + hostForUri(server.address()) + ":" + port());
    }

    public Path caPem() {
        return tls.caPem();
    }

    /** PKCS12, password {@value LocalTls#TRUSTSTORE_PASSWORD}: only the local CA certificate. */
    public Path truststore() {
        return tls.truststore();
    }

    public static String truststorePassword() {
        return LocalTls.TRUSTSTORE_PASSWORD;
    }

    public LocalDatabase database() {
        return database;
    }

    /** Runs a timer function now, on the caller's thread, as the runtime's admin API does. */
    public void fireTimer(String name) {
        FunctionCatalog.TimerFunction timer = catalog.timers().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no timer function named " + name));
        // One run at a time per timer function, like the runtime's singleton lock for timers.
        synchronized (timer) {
            timer.fire();
        }
    }

    /** The HTTP server, for tests that watch its connection caps. */
    FunctionServer server() {
        return server;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timers.close();
        server.close();
        cleanUp(database, context);
        System.out.println("Keyward local function host stopped");
    }

    private void printBanner(FunctionSettings settings) {
        Path cwd = Path.of("").toAbsolutePath();
        Path ca = tls.caPem().toAbsolutePath();
        String trust = ca.startsWith(cwd) ? cwd.relativize(ca).toString() : ca.toString();
        System.out.println("Keyward local function host listening on " + baseUri() + " (trust: " + trust + ")");
        System.out.println("  database: " + database.description());
        for (FunctionCatalog.HttpFunction f : catalog.http()) {
            System.out.println("  " + f.name() + ": " + (f.methods().isEmpty() ? "[ANY]" : f.methods()) + " " + baseUri() + "/" + f.route().template());
        }
        for (FunctionCatalog.TimerFunction t : catalog.timers().values()) {
            System.out.println("  " + t.name() + ": timer '" + settings.resolve(t.schedule()) + "' (UTC); run now: POST "
                    + baseUri() + "/admin/functions/" + t.name());
        }
    }

    private static String hostForUri(InetSocketAddress address) {
        String h = address.getAddress().getHostAddress();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    private static Map<String, Object> appProperties(Map<String, String> env, LocalDatabase db) {
        Map<String, Object> p = new HashMap<>();
        p.put("keyward.database.url", db.jdbcUrl());
        p.put("keyward.database.user", db.user());
        p.put("keyward.database.password", db.password());
        // Given explicitly so that a caller's env map (tests) wins over the process environment.
        p.put("keyward.hsm.library", env.get("KEYWARD_HSM_LIBRARY"));
        p.put("keyward.hsm.token-label", env.get("KEYWARD_HSM_TOKEN_LABEL"));
        p.put("keyward.hsm.pin", env.get("KEYWARD_HSM_PIN"));
        if (env.get("KEYWARD_HSM_SO_PIN_FILE") != null) {
            // read once, to make the token's trusted backup key if it has none (docs/key-backup.md)
            p.put("keyward.hsm.so-pin-file", env.get("KEYWARD_HSM_SO_PIN_FILE"));
        }
        // The operator's client credentials, written on first start (./keyward token reads them).
        p.put("keyward.identity.operator-file", KeywardHome.stateDir(env).resolve("identity/operator.json").toString());
        return p;
    }

    /**
     * Settings that depend on the bound address. The token issuer is the loopback base URL, whatever host name a
     * client used, so that a token from {@code https://127.0.0.1:port} is valid at {@code https://v1.vault.localhost:port}.
     */
    private static Map<String, Object> addressProperties(InetSocketAddress address) {
        // bound to all interfaces (KEYWARD_BIND=0.0.0.0): the issuer still names one address, the loopback one
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : hostForUri(address);
        String base = "https://" + host + ":" + address.getPort();
        return Map.of("keyward.identity.authority", base);
    }

    private static void cleanUp(LocalDatabase database, SharedContext context) {
        if (context != null) {
            try {
                context.close(); // closes the shared context: the HSM (C_Finalize) and the connection pool
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(LocalFunctionHost.class).warn("closing the application context failed", e);
            }
        }
        if (database != null) {
            database.close();
        }
    }
}
