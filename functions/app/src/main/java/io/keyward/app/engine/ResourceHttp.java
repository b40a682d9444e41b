package io.keyward.app.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.PageSize;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The ARM wire of the engine's answers, the same for every surface: request bodies read into the surface's shape,
 * 201/200 for a PUT (with {@code Azure-AsyncOperation}, {@code Location} and {@code Retry-After} when an operation
 * started), 200/202/204 for a delete, and keyset paging with {@code $top}, {@code $skiptoken} and {@code nextLink}.
 */
@Singleton
public class ResourceHttp {

    private final ArmRequestContent content;
    private final AsyncOperations operations;

    ResourceHttp(ArmRequestContent content, AsyncOperations operations) {
        this.content = content;
        this.operations = operations;
    }

    /** The request's api-version, one of {@code versions}, else ARM's 400. */
    public static String apiVersion(HttpRequest<?> request, ApiVersions versions) {
        return versions.require(request.getParameters().get("api-version"));
    }

    public <T> T body(@Nullable String body, Class<T> type) {
        return content.read(body, type);
    }

    /** 201 for a create, else 200, with the resource as {@code out} shows it and the headers of the operation it started. */
    public <P, O> MutableHttpResponse<?> saved(HttpRequest<?> request, KeyedResources.Saved<P> saved, Function<Resource<P>, O> out,
                                              String apiVersion) {
        MutableHttpResponse<O> response = HttpResponse.<O>status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(out.apply(saved.resource()));
        return saved.operation() == null ? response : operations.accepted(response, saved.operation(), request, apiVersion);
    }

    /** 202 with the operation's headers for an asynchronous delete, 200 for a soft delete, 204 when there was nothing. */
    public MutableHttpResponse<?> deleted(HttpRequest<?> request, KeyedResources.Deletion deletion, String apiVersion) {
        if (deletion.operation() != null) {
            return operations.accepted(HttpResponse.accepted(), deletion.operation(), request, apiVersion);
        }
        return deletion.existed() ? HttpResponse.ok() : HttpResponse.noContent();
    }

    /** {@code $top} (default and cap) and the page position of {@code $skiptoken}. */
    public record Paging(int top, @Nullable UUID after) {
    }

    public static Paging paging(HttpRequest<?> request, int defaultSize, int maxSize) {
        String token = request.getParameters().get("$skiptoken");
        UUID after = null;
        if (token != null && !token.isEmpty()) {
            try {
                after = UUID.fromString(token);
            } catch (IllegalArgumentException e) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "The $skiptoken '" + token + "' is invalid; use the nextLink of the"
                        + " previous page as it is.", "$skiptoken");
            }
        }
        return new Paging(PageSize.of(request, defaultSize, maxSize), after);
    }

    /** The items of {@code page} as {@code out} shows them, and the next page's link on the origin the client called. */
    public static <P, O> Listed<O> listed(HttpRequest<?> request, KeyedResources.Page<P> page, Paging paging, Function<Resource<P>, O> out) {
        String next = null;
        if (page.last() != null) {
            URI uri = AsyncOperations.absoluteUri(request);
            next = uri.getScheme() + "://" + uri.getRawAuthority() + request.getPath() + "?api-version="
                    + URLEncoder.encode(request.getParameters().get("api-version"), StandardCharsets.UTF_8) + "&%24top=" + paging.top()
                    + "&%24skiptoken=" + page.last();
        }
        return new Listed<>(page.items().stream().map(out).toList(), next);
    }

    /** A list's items and its {@code nextLink} (left out on the last page): every surface's list shape. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Listed<O>(List<O> value, @Nullable String nextLink) {
    }
}
