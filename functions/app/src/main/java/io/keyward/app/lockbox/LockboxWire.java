package io.keyward.app.lockbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;

/**
 * The JSON shapes of ARM {@code Microsoft.CustomerLockbox} (azure-rest-api-specs, customerlockbox resource-manager,
 * 2018-02-28-preview {@code customerlockbox.json}: LockboxRequestResponse, LockboxRequestResponseProperties, Approval,
 * TenantOptInResponse), and of Keyward's own operator request and event list.
 */
final class LockboxWire {

    static final String RESOURCE_TYPE = "Log Analytics workspace";

    private LockboxWire() {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RequestOut(String id, String name, String type, RequestProperties properties) {
    }

    /**
     * {@code expirationDateTime}: until when a Pending request can be decided, or until when an Approved one gives access.
     */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RequestProperties(String requestId, String justification, String status, String createdDateTime, String expirationDateTime,
                             int duration, List<String> requestedResourceIds, String resourceType, @Nullable String supportRequest,
                             String subscriptionId) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Listed<T>(List<T> value) {
    }

    /** Approval: the spec's 2018-02-28-preview names the decision {@code decision}, later versions {@code status}. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Approval(@Nullable String decision, @Nullable String status, @Nullable String reason) {
    }

    @Serdeable
    record TenantOptIn(boolean isOptedIn) {
    }

    /** Keyward's operator request: raise a support access request for a workspace. */
    @Serdeable
    record RaiseRequest(@Nullable String workspaceResourceId, @Nullable String supportPrincipalId, @Nullable String justification,
                        @Nullable String supportRequest, @Nullable Integer durationHours) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record EventOut(long id, String time, String kind, @Nullable String requestId, String principalTenantId, String principalObjectId,
                    @Nullable String workspaceResourceId, @Nullable String detail) {
    }

    static RequestOut out(LockboxRepository.Request r, Instant now) {
        String status = LockboxService.status(r, now);
        Instant expiry = r.accessUntil() != null ? r.accessUntil() : r.expiresAt();
        return new RequestOut("/subscriptions/" + r.subscriptionId() + "/providers/Microsoft.CustomerLockbox/requests/" + r.requestId(),
                "LockboxRequest_" + r.requestId(), "requests", new RequestProperties(r.requestId().toString(), r.justification(), status,
                r.createdAt().toString(), expiry.toString(), r.durationHours(), List.of(r.workspaceResourceId()), RESOURCE_TYPE,
                r.supportRequest(), r.subscriptionId()));
    }

    static EventOut out(LockboxRepository.Event e) {
        return new EventOut(e.eventId(), e.at().toString(), e.kind(), e.requestId() == null ? null : e.requestId().toString(),
                e.principalTenantId(), e.principalObjectId(), e.workspaceResourceId(), e.detail());
    }
}
