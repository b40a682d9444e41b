package io.keyward.app.arm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.base.ErrorEnvelope;
import io.keyward.app.identity.Principal;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The status resources of async operations, for every provider (ARM RPC, async-api-reference): the
 * {@code Azure-AsyncOperation} URL answers {@code {id, name, status, startTime, endTime, percentComplete, error}};
 * the {@code Location} URL answers 202 while the operation runs, then, when it succeeded, 200 with the resource a PUT or
 * PATCH left ({@link OperationOutcome}) or 204 after a delete, and the error with its status when it failed. Where a
 * provider's spec names them otherwise, so do these: HPC Cache's status is {@code ascOperations}; Data Explorer's
 * {@code operationResults} is its OperationResult (200 with the status) unless asked for
 * {@code operationResultResponseType=Location}, whose success is 200. Only the operation's tenant may read them.
 */
@Controller
class OperationsController {

    private static final String LOCATION = "/subscriptions/{subscriptionId}/providers/{provider}/locations/{location}";
    /** ARM api-versions are dates, optionally "-preview"; each provider's own list is checked where the operation began. */
    private static final Pattern API_VERSION = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}(-[A-Za-z0-9]+)?$");

    private final AsyncOperations operations;
    private final OperationsProperties properties;
    private final BeanProvider<OperationOutcome> outcomes;

    OperationsController(AsyncOperations operations, OperationsProperties properties, BeanProvider<OperationOutcome> outcomes) {
        this.operations = operations;
        this.properties = properties;
        this.outcomes = outcomes;
    }

    @Get(LOCATION + "/operationStatuses/{operationId}")
    HttpResponse<?> status(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String provider, @PathVariable String location, @PathVariable String operationId) {
        apiVersion(request);
        AsyncOperation op = visible(caller, subscriptionId, provider, location, operationId, "operationStatuses");
        return statusResponse(op, "operationStatuses", op.status().name(), null);
    }

    /** StorageCache's AscOperations_Get: the same status, at the path HPC Cache's spec gives it. */
    @Get(LOCATION + "/ascOperations/{operationId}")
    HttpResponse<?> ascStatus(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                              @PathVariable String provider, @PathVariable String location, @PathVariable String operationId) {
        apiVersion(request);
        AsyncOperation op = visible(caller, subscriptionId, provider, location, operationId, "ascOperations");
        return statusResponse(op, "ascOperations", op.status().name(), null);
    }

    private MutableHttpResponse<OperationStatusBody> statusResponse(AsyncOperation op, String collection, String status,
                                                                    @Nullable Map<String, Object> properties) {
        String id = "/subscriptions/" + op.subscriptionId() + "/providers/" + op.provider() + "/locations/" + op.location()
                + "/" + collection + "/" + op.id();
        MutableHttpResponse<OperationStatusBody> response = HttpResponse.ok(new OperationStatusBody(id, op.id().toString(),
                status, op.startTime().toString(), op.endTime() == null ? null : op.endTime().toString(),
                op.percentComplete(), properties, op.error()));
        if (!op.status().terminal()) {
            response.header("Retry-After", Long.toString(Math.max(1, this.properties.retryAfter().toSeconds())));
        }
        return response;
    }

    @Get(LOCATION + "/operationResults/{operationId}")
    HttpResponse<?> result(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String provider, @PathVariable String location, @PathVariable String operationId) {
        String apiVersion = apiVersion(request);
        AsyncOperation op = visible(caller, subscriptionId, provider, location, operationId, "operationResults");
        boolean kusto = AsyncOperations.KUSTO.equalsIgnoreCase(op.provider());
        if (kusto && !"Location".equalsIgnoreCase(request.getParameters().get(AsyncOperations.KUSTO_RESPONSE_TYPE))) {
            // OperationsResults_Get: the operation itself, with Data Explorer's status words
            String status = op.status().terminal() ? op.status().name() : "Running";
            return statusResponse(op, "operationResults", status, Map.of("provisioningState", status, "operationKind",
                    kustoKind(op.kind()), "operationState", kustoState(op.status())));
        }
        if (!op.status().terminal()) {
            return operations.accepted(HttpResponse.status(HttpStatus.ACCEPTED), op, request, apiVersion);
        }
        if (op.status() == OperationStatus.Succeeded) {
            Optional<Object> resource = outcomes.stream().map(o -> o.finalResource(op, caller)).flatMap(Optional::stream).findFirst();
            if (resource.isPresent()) {
                return HttpResponse.ok(resource.get());
            }
            // OperationsResultsLocation_Get declares 200 and 202 only
            return kusto ? HttpResponse.ok() : HttpResponse.noContent();
        }
        ErrorEnvelope.Body error = op.error() != null ? op.error()
                : new ErrorEnvelope.Body(op.status() == OperationStatus.Canceled ? "Canceled" : ArmErrorCode.InternalServerError.name(),
                        op.status() == OperationStatus.Canceled ? "The operation was canceled." : "The operation failed.");
        return HttpResponse.status(statusOf(error.code())).body(new ErrorEnvelope(error));
    }

    /**
     * OperationResultProperties.operationKind (a free string in Data Explorer's spec) for Keyward's operation kinds:
     * a cluster's creation, key update or deletion.
     */
    static String kustoKind(String kind) {
        return switch (kind) {
            case "cmk.create" -> "ClusterCreate";
            case "cmk.updateKey" -> "ClusterUpdate";
            case "cmk.delete" -> "ClusterDelete";
            default -> "ClusterOperation";
        };
    }

    /** OperationResultProperties.operationState (a free string): Completed, Failed, Canceled, or InProgress while it runs. */
    static String kustoState(OperationStatus status) {
        return switch (status) {
            case Succeeded -> "Completed";
            case Failed -> "Failed";
            case Canceled -> "Canceled";
            default -> "InProgress";
        };
    }

    private AsyncOperation visible(Principal caller, String subscriptionId, String provider, String location, String operationId,
                                   String collection) {
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        AsyncOperation op = parse(operationId).flatMap(operations::find)
                .filter(o -> o.subscriptionId().equalsIgnoreCase(sub.value()) && o.provider().equalsIgnoreCase(provider)
                        && sameLocation(o.location(), location))
                .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "The operation '" + operationId
                        + "' was not found in location '" + location + "' of provider '" + provider + "'."));
        if (caller == null || !caller.tenantId().equalsIgnoreCase(op.tenantId())) {
            String who = caller == null ? "" : caller.objectId();
            throw new ArmException(ArmErrorCode.AuthorizationFailed, "The client '" + who + "' with object id '" + who
                    + "' does not have authorization to perform action '" + provider + "/locations/" + collection + "/read' over"
                    + " scope '/subscriptions/" + sub.value() + "/providers/" + provider + "/locations/" + location + "/"
                    + collection + "/" + operationId + "' or the scope is invalid.");
        }
        return op;
    }

    private static Optional<UUID> parse(String id) {
        try {
            return Optional.of(UUID.fromString(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** ARM spells locations both ways ("West Europe", "westeurope"). */
    private static boolean sameLocation(String a, String b) {
        return a.replace(" ", "").equalsIgnoreCase(b.replace(" ", ""));
    }

    private static HttpStatus statusOf(String code) {
        try {
            return ArmErrorCode.valueOf(code).status();
        } catch (IllegalArgumentException e) {
            return HttpStatus.INTERNAL_SERVER_ERROR;
        }
    }

    private static String apiVersion(HttpRequest<?> request) {
        String given = request.getParameters().get("api-version");
        if (given == null || given.isBlank()) {
            throw new ArmException(ArmErrorCode.MissingApiVersionParameter,
                    "The api-version query parameter (?api-version=) is required for all requests.", "api-version");
        }
        if (!API_VERSION.matcher(given).matches()) {
            throw new ArmException(ArmErrorCode.InvalidApiVersionParameter, "The api-version '" + given + "' is invalid.",
                    "api-version");
        }
        return given;
    }

    /** ARM's operation status resource; times in ISO 8601 UTC. Absent values are left out of the JSON. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OperationStatusBody(String id, String name, String status, String startTime, @Nullable String endTime,
                               @Nullable Integer percentComplete, @Nullable Map<String, Object> properties,
                               @Nullable ErrorEnvelope.Body error) {
    }
}
