package io.keyward.app.arm;

import io.micronaut.http.MutableHttpResponse;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link AsyncOperations} over {@code async_operations}, with a small bounded pool for kicks. */
@Singleton
class AsyncOperationService implements AsyncOperations {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncOperationService.class);
    /** Kicks waiting for a thread; more are dropped, which only means the timer runs them a few seconds later. */
    private static final int KICK_QUEUE = 64;

    private final AsyncOperationRepository repository;
    private final OperationRunner runner;
    private final OperationsProperties properties;
    private final ThreadPoolExecutor kicks;

    AsyncOperationService(AsyncOperationRepository repository, OperationRunner runner, OperationsProperties properties) {
        this.repository = repository;
        this.runner = runner;
        this.properties = properties;
        int threads = Math.max(1, properties.kickThreads());
        AtomicInteger n = new AtomicInteger();
        this.kicks = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(KICK_QUEUE), r -> {
            Thread t = new Thread(r, "keyward-operations-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
        kicks.allowCoreThreadTimeOut(true);
    }

    /** MANDATORY: an operation started outside the transaction of its state change could outlive a rollback of it. */
    @Override
    @Transactional(propagation = TransactionDefinition.Propagation.MANDATORY)
    public AsyncOperation start(NewOperation op) {
        return repository.insert(UUID.randomUUID(), op);
    }

    @Override
    public Optional<AsyncOperation> find(UUID id) {
        return repository.find(id);
    }

    @Override
    public boolean hasActive(String resourceId) {
        return repository.hasActive(resourceId);
    }

    @Override
    public void kick(UUID id) {
        try {
            kicks.execute(() -> {
                try {
                    runner.runNow(id);
                } catch (RuntimeException e) {
                    LOG.warn("kicked run of async operation {} failed; the timer retries it", id, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down: the timer of this or another instance runs it
        }
    }

    @Override
    public MutableHttpResponse<?> accepted(MutableHttpResponse<?> response, AsyncOperation op, URI requestUri, String apiVersion) {
        String status = STORAGE_CACHE.equalsIgnoreCase(op.provider()) ? "ascOperations" : "operationStatuses";
        String result = statusUrl(op, requestUri, "operationResults", apiVersion)
                + (KUSTO.equalsIgnoreCase(op.provider()) ? "&" + KUSTO_RESPONSE_TYPE + "=Location" : "");
        return response.header("Azure-AsyncOperation", statusUrl(op, requestUri, status, apiVersion))
                .header("Location", result)
                .header("Retry-After", Long.toString(Math.max(1, properties.retryAfter().toSeconds())));
    }

    /**
     * {@code {origin}/subscriptions/{sub}/providers/{provider}/locations/{location}/{collection}/{id}?api-version=..}:
     * absolute on the origin the client called (ARM clients poll exactly this), relative when the request URI has none.
     */
    static String statusUrl(AsyncOperation op, URI requestUri, String collection, String apiVersion) {
        String origin = requestUri != null && requestUri.getScheme() != null && requestUri.getRawAuthority() != null
                ? requestUri.getScheme() + "://" + requestUri.getRawAuthority() : "";
        return origin + "/subscriptions/" + segment(op.subscriptionId()) + "/providers/" + segment(op.provider()) + "/locations/"
                + segment(op.location()) + "/" + collection + "/" + op.id() + "?api-version="
                + URLEncoder.encode(apiVersion, StandardCharsets.UTF_8);
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @PreDestroy
    void close() {
        kicks.shutdownNow();
    }
}
