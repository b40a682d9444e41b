package io.keyward.local;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long the local host waits for a client and how much it holds for one: each limit from its {@code KEYWARD_*}
 * setting, else the default below (docs/deployment.md lists them beside what Azure's front end does). A value that
 * does not parse stops the host at start, it is never ignored.
 *
 * @param handshakeTimeout  {@code KEYWARD_TLS_HANDSHAKE_TIMEOUT}, 10s: TCP accept to a finished TLS handshake
 * @param headerTimeout     {@code KEYWARD_HEADER_TIMEOUT}, 10s: first byte of a request to the end of its headers
 * @param bodyIdleTimeout   {@code KEYWARD_BODY_IDLE_TIMEOUT}, 10s: longest silence while a body is read
 * @param requestTimeout    {@code KEYWARD_REQUEST_TIMEOUT}, 30s: first byte to the last byte of the body
 * @param keepAliveTimeout  {@code KEYWARD_KEEPALIVE_TIMEOUT}, 30s: an open connection with no request (the JDK server's
 *                          idle interval, which clients of the old host were used to)
 * @param maxConnections    {@code KEYWARD_MAX_CONNECTIONS}, 1024: open connections in total
 * @param maxConnectionsPerAddress {@code KEYWARD_MAX_CONNECTIONS_PER_ADDRESS}, 128: open connections of one client address
 * @param maxArmBody        {@code KEYWARD_MAX_BODY_ARM}, 4m: ARM's own request body limit
 * @param maxVaultBody      {@code KEYWARD_MAX_BODY_VAULT}, 25k: on vault hosts; Key Vault's largest documented
 *                          payload is a secret value of 25 KB, and no key operation carries more
 * @param maxDataBody       {@code KEYWARD_MAX_BODY_DATA}, 30m: the data plane's ingestion, the Data Collector API's
 *                          documented 30 MB per post
 * @param maxOtherBody      {@code KEYWARD_MAX_BODY_OTHER}, 64k: everything else (token endpoint, client registration,
 *                          admin API), whose bodies are a few form fields
 * @param workers           {@code KEYWARD_WORKERS}, 16: threads that run function invocations
 * @param workerQueue       {@code KEYWARD_WORKER_QUEUE}, 256: invocations waiting for a worker; more are answered 503
 */
record ServerLimits(Duration handshakeTimeout, Duration headerTimeout, Duration bodyIdleTimeout, Duration requestTimeout,
                    Duration keepAliveTimeout, int maxConnections, int maxConnectionsPerAddress, long maxArmBody,
                    long maxVaultBody, long maxDataBody, long maxOtherBody, int workers, int workerQueue) {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([km])?");

    static ServerLimits from(Map<String, String> env) {
        return new ServerLimits(
                duration(env, "KEYWARD_TLS_HANDSHAKE_TIMEOUT", "10s"),
                duration(env, "KEYWARD_HEADER_TIMEOUT", "10s"),
                duration(env, "KEYWARD_BODY_IDLE_TIMEOUT", "10s"),
                duration(env, "KEYWARD_REQUEST_TIMEOUT", "30s"),
                duration(env, "KEYWARD_KEEPALIVE_TIMEOUT", "30s"),
                (int) count(env, "KEYWARD_MAX_CONNECTIONS", "1024"),
                (int) count(env, "KEYWARD_MAX_CONNECTIONS_PER_ADDRESS", "128"),
                size(env, "KEYWARD_MAX_BODY_ARM", "4m"),
                size(env, "KEYWARD_MAX_BODY_VAULT", "25k"),
                size(env, "KEYWARD_MAX_BODY_DATA", "30m"),
                size(env, "KEYWARD_MAX_BODY_OTHER", "64k"),
                (int) count(env, "KEYWARD_WORKERS", "16"),
                (int) count(env, "KEYWARD_WORKER_QUEUE", "256"));
    }

    /** The request body cap of a request's surface. */
    long maxBody(BodyClass c) {
        return switch (c) {
            case ARM -> maxArmBody;
            case VAULT -> maxVaultBody;
            case DATA -> maxDataBody;
            case OTHER -> maxOtherBody;
        };
    }

    /** Which body cap a request falls under, from its host and route. */
    enum BodyClass { ARM, VAULT, DATA, OTHER }

    private static Duration duration(Map<String, String> env, String name, String fallback) {
        String v = env.getOrDefault(name, fallback).trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(v);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw refused(name, v, "a positive duration such as 500ms, 10s or 2m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private static long size(Map<String, String> env, String name, String fallback) {
        String v = env.getOrDefault(name, fallback).trim().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(v);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw refused(name, v, "a positive number of bytes, or of KiB or MiB with k or m (64k, 4m)");
        }
        long n = Long.parseLong(m.group(1));
        return m.group(2) == null ? n : m.group(2).equals("k") ? n * 1024 : n * 1024 * 1024;
    }

    private static long count(Map<String, String> env, String name, String fallback) {
        String v = env.getOrDefault(name, fallback).trim();
        try {
            long n = Long.parseLong(v);
            if (n > 0 && n <= Integer.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw refused(name, v, "a positive whole number");
    }

    private static LocalFunctionHost.MissingSettingsException refused(String name, String value, String expected) {
        return new LocalFunctionHost.MissingSettingsException(name + "='" + value + "' is not " + expected + ".");
    }
}
