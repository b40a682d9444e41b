package io.keyward.local;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.keyward.devenv.Databases;
import io.keyward.devenv.KeywardHome;
import io.keyward.devenv.LocalDatabase;
import io.micronaut.azure.function.AzureFunction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
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
 *       material from {@link LocalTls} in {@code .keyward/tls};</li>
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
    private static final String TIMER_INFO = "{\"Schedule\":{\"AdjustForDST\":true},\"ScheduleStatus\":null,\"IsPastDue\":false}";
    /** Requests in flight at once; more wait in the queue. Two cores here: the HSM pool is the real bound. */
    private static final int WORKERS = 16;
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LocalFunctionHost.class);

    static {
        // The JDK's HTTP server leaves Nagle's algorithm on, so every small response waits for the client's
        // delayed ACK: measured 18 unwrapkey requests/s at 56 ms p50 with one client, ~150/s at 6 ms without it.
        // Read once when the server classes load, hence set here, before any server exists.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final LocalDatabase database;
    private final SharedContext context;
    private final FunctionCatalog catalog;
    private final LocalTls tls;
    private final HttpsServer server;
    private final ExecutorService workers;
    private final TimerScheduler timers = new TimerScheduler();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalFunctionHost(LocalDatabase database, SharedContext context, FunctionCatalog catalog, LocalTls tls,
                              HttpsServer server, ExecutorService workers) {
        this.database = database;
        this.context = context;
        this.catalog = catalog;
        this.tls = tls;
        this.server = server;
        this.workers = workers;
    }

    /** Thrown when the environment lacks what {@code ./keyward run} exports; its message tells the user what to do. */
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
        if (SharedContext.running()) {
            throw new IllegalStateException("a function host is already running in this JVM");
        }
        Path state = KeywardHome.stateDir(env);
        int port = Integer.parseInt(env.getOrDefault("KEYWARD_PORT", Integer.toString(DEFAULT_PORT)));
        String bind = env.getOrDefault("KEYWARD_BIND", "127.0.0.1");

        LocalDatabase database = Databases.start(state.resolve("postgres"), env);
        SharedContext context = null;
        ExecutorService workers = null;
        HttpsServer server = null;
        try {
            LocalTls tls = LocalTls.ensure(state.resolve("tls"));
            // Bound before the app starts: with port 0 only the bound socket knows the port, and the app needs
            // it for its token issuer (keyward.identity.authority).
            server = HttpsServer.create(new InetSocketAddress(bind, port), 128);
            Map<String, Object> properties = appProperties(env, database);
            properties.putAll(addressProperties(server.getAddress()));
            // Clusters call vaults by their names (x.vault.localhost), which a plain JVM cannot resolve: connect them
            // to this host, and trust its CA (see clusters.ClustersProperties).
            properties.put("keyward.cmk.vault-connect-address", "127.0.0.1:" + server.getAddress().getPort());
            properties.put("keyward.cmk.vault-trust-store", tls.truststore().toString());
            properties.put("keyward.cmk.vault-trust-store-password", LocalTls.TRUSTSTORE_PASSWORD);
            context = new SharedContext(AzureFunction.defaultApplicationContextBuilder().properties(properties));
            FunctionSettings settings = FunctionSettings.load(env);
            FunctionCatalog catalog = FunctionCatalog.scan(FUNCTIONS_PACKAGE, settings.routePrefix());

            server.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()));
            AtomicInteger n = new AtomicInteger();
            workers = Executors.newFixedThreadPool(WORKERS, r -> new Thread(r, "keyward-http-" + n.incrementAndGet()));
            server.setExecutor(workers);
            LocalFunctionHost host = new LocalFunctionHost(database, context, catalog, tls, server, workers);
            server.createContext("/", host::handle);
            server.start();
            for (FunctionCatalog.TimerFunction t : catalog.timers().values()) {
                host.timers.schedule(t.name(), NcrontabSchedule.parse(settings.resolve(t.schedule())), host::fireTimer);
            }
            host.printBanner(settings);
            return host;
        } catch (IOException e) {
            stopQuietly(server);
            cleanUp(database, context, workers);
            throw new UncheckedIOException("cannot listen on " + bind + ":" + port, e);
        } catch (RuntimeException | Error e) {
            stopQuietly(server);
            cleanUp(database, context, workers);
            throw e;
        }
    }

    public static void main(String[] args) {
        LocalFunctionHost host;
        try {
            host = start(System.getenv());
        } catch (MissingSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // The HTTP dispatcher thread keeps the JVM alive; Ctrl-C (SIGINT) runs this hook.
        Runtime.getRuntime().addShutdownHook(new Thread(host::close, "keyward-host-shutdown"));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI baseUri() {
        return URI.create("https://" + hostForUri(server.getAddress()) + ":" + port());
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
            invoke(timer.target(), timer.method(), null, context(timer.name()));
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timers.close();
        server.stop(0);
        cleanUp(database, context, workers);
        System.out.println("Keyward local function host stopped");
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/admin/")) {
                admin(exchange, path);
                return;
            }
            HttpMethod method = HttpMethod.value(exchange.getRequestMethod().toUpperCase(Locale.ROOT));
            Optional<FunctionCatalog.HttpFunction> function = catalog.routesFor(path).stream()
                    .filter(f -> method != null && f.allows(method)).findFirst();
            if (function.isEmpty()) {
                // The Functions host answers 404 both for an unknown route and for a known route with another method.
                send(exchange, 404, Map.of(), new byte[0]);
                return;
            }
            FunctionCatalog.HttpFunction f = function.get();
            Object result = invoke(f.target(), f.method(), request(exchange, method), context(f.name()));
            if (!(result instanceof HttpResponseMessage response)) {
                send(exchange, result == null ? 204 : 200, Map.of(), bytes(result));
                return;
            }
            Map<String, String> headers = response instanceof LocalHttpMessages.Response r ? r.headers()
                    : contentTypeOnly(response);
            send(exchange, response.getStatusCode(), headers, "HEAD".equals(exchange.getRequestMethod()) ? new byte[0] : bytes(response.getBody()));
        } catch (Exception e) {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
            try {
                send(exchange, 500, Map.of(), new byte[0]);
            } catch (IOException | RuntimeException ignored) {
                // the response was already started; the client sees a broken connection
            }
        }
    }

    private void admin(HttpExchange exchange, String path) throws IOException {
        if (!exchange.getRemoteAddress().getAddress().isLoopbackAddress()) {
            send(exchange, 403, Map.of(), new byte[0]);
            return;
        }
        String prefix = "/admin/functions/";
        if (!path.startsWith(prefix) || path.length() == prefix.length()) {
            send(exchange, 404, Map.of(), new byte[0]);
            return;
        }
        if (!"POST".equals(exchange.getRequestMethod())) {
            send(exchange, 405, Map.of("Allow", "POST"), new byte[0]);
            return;
        }
        String name = path.substring(prefix.length());
        exchange.getRequestBody().readAllBytes();
        try {
            fireTimer(name);
        } catch (IllegalArgumentException e) {
            send(exchange, 404, Map.of(), new byte[0]);
            return;
        }
        // The runtime answers 202 and runs the function in the background; here it has already finished, which
        // lets tests look at its effect right away.
        send(exchange, 202, Map.of(), new byte[0]);
    }

    private static Object invoke(Object target, Method method, HttpRequestMessage<?> request, ExecutionContext context) {
        Parameter[] params = method.getParameters();
        Object[] args = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            Class<?> type = params[i].getType();
            if (HttpRequestMessage.class.isAssignableFrom(type)) {
                args[i] = request;
            } else if (ExecutionContext.class.isAssignableFrom(type)) {
                args[i] = context;
            } else if (params[i].isAnnotationPresent(TimerTrigger.class)) {
                args[i] = TIMER_INFO;
            }
        }
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ExecutionContext context(String functionName) {
        return new LocalHttpMessages.Context(functionName, UUID.randomUUID().toString(), Logger.getLogger("Function." + functionName));
    }

    private LocalHttpMessages.Request request(HttpExchange exchange, HttpMethod method) throws IOException {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
        // As Azure's front end does, the peer's address is the last X-Forwarded-For entry (the token endpoint's
        // per-address limit reads it); here it is the only one, so a client cannot pose as another address.
        headers.put("x-forwarded-for", exchange.getRemoteAddress().getAddress().getHostAddress());
        URI raw = exchange.getRequestURI();
        String host = headers.getOrDefault("host", hostForUri(server.getAddress()) + ":" + port());
        URI uri = URI.create("https://" + host + raw.getRawPath() + (raw.getRawQuery() == null ? "" : "?" + raw.getRawQuery()));
        Map<String, String> query = new LinkedHashMap<>();
        if (raw.getRawQuery() != null) {
            for (String pair : raw.getRawQuery().split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(k, v);
            }
        }
        byte[] body = exchange.getRequestBody().readAllBytes();
        return new LocalHttpMessages.Request(uri, method, headers, query,
                body.length == 0 ? Optional.empty() : Optional.of(new String(body, StandardCharsets.UTF_8)));
    }

    private static Map<String, String> contentTypeOnly(HttpResponseMessage response) {
        String type = response.getHeader("Content-Type");
        return type == null ? Map.of() : Map.of("Content-Type", type);
    }

    private static byte[] bytes(Object body) {
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof byte[] b) {
            return b;
        }
        if (body instanceof Optional<?> o) {
            return bytes(o.orElse(null));
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Length") && !k.equalsIgnoreCase("Transfer-Encoding")) {
                exchange.getResponseHeaders().set(k, v);
            }
        });
        boolean noBody = body.length == 0 || status == 204 || status == 304;
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            exchange.getResponseBody().write(body);
        }
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

    private static void stopQuietly(HttpsServer server) {
        if (server != null) {
            try {
                server.stop(0);
            } catch (RuntimeException ignored) {
                // never started: only its socket is bound, and stop() has closed it or there is nothing to close
            }
        }
    }

    private static void cleanUp(LocalDatabase database, SharedContext context, ExecutorService workers) {
        if (workers != null) {
            workers.shutdown();
            try {
                workers.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (context != null) {
            try {
                context.close(); // closes the shared context: the HSM (C_Finalize) and the connection pool
            } catch (RuntimeException e) {
                LOG.warn("closing the application context failed", e);
            }
        }
        database.close();
    }
}
