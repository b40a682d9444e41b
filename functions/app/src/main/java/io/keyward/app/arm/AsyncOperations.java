package io.keyward.app.arm;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import java.net.URI;
import java.util.Optional;
import java.util.UUID;

/**
 * Durable ARM async operations: rows in PostgreSQL, started in the caller's transaction, run by leases from any
 * instance (the {@code Operations_Run} timer and {@link #kick}), and reported through the operationStatuses and
 * operationResults resources.
 */
public interface AsyncOperations {

    /** Data Explorer's namespace: its spec's {@code Location} is operationResults with this query parameter set to Location. */
    String KUSTO = "Microsoft.Kusto";
    String KUSTO_RESPONSE_TYPE = "operationResultResponseType";
    /** HPC Cache's namespace: its spec's status resource is {@code ascOperations}. */
    String STORAGE_CACHE = "Microsoft.StorageCache";

    /**
     * Inserts the operation in the caller's transaction, which must be open (so the operation exists exactly when the
     * state change that needs it commits). It becomes due at once; call {@link #kick} after committing.
     */
    AsyncOperation start(NewOperation op);

    Optional<AsyncOperation> find(UUID id);

    /** True when an unfinished operation exists on {@code resourceId} (compared case-insensitively). */
    boolean hasActive(String resourceId);

    /** Best effort, after the caller committed: runs the operation now on a small background pool. Never throws. */
    void kick(UUID id);

    /**
     * Adds ARM's long-running-operation headers to {@code response}: {@code Azure-AsyncOperation} (the
     * operationStatuses URL, ascOperations for HPC Cache), {@code Location} (the operationResults URL, with
     * {@code operationResultResponseType=Location} for Data Explorer), both with {@code apiVersion}, on the
     * scheme and authority of {@code requestUri}, and {@code Retry-After}.
     */
    MutableHttpResponse<?> accepted(MutableHttpResponse<?> response, AsyncOperation op, URI requestUri, String apiVersion);

    /** {@link #accepted(MutableHttpResponse, AsyncOperation, URI, String)} on the origin {@code request} came to. */
    default MutableHttpResponse<?> accepted(MutableHttpResponse<?> response, AsyncOperation op, HttpRequest<?> request,
                                            String apiVersion) {
        return accepted(response, op, absoluteUri(request), apiVersion);
    }

    /**
     * The request's URI with scheme and authority: as received when absolute (Azure Functions, the local host), else
     * https and the Host header.
     */
    static URI absoluteUri(HttpRequest<?> request) {
        URI uri = request.getUri();
        if (uri.getScheme() != null && uri.getRawAuthority() != null) {
            return uri;
        }
        String host = request.getHeaders().get("Host");
        return URI.create("https://" + (host == null || host.isBlank() ? "localhost" : host) + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
    }
}
