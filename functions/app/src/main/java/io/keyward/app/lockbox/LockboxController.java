package io.keyward.app.lockbox;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.KnownMembers;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ARM {@code Microsoft.CustomerLockbox}, one method per operationId of the REST spec (customerlockbox resource-manager,
 * 2018-02-28-preview, with the tenant opt-in operations of its later versions): Requests_List (with the spec's one
 * {@code $filter}, on status), Requests_Get, Requests_UpdateStatus, Get_TenantOptedIn, Post_EnableLockbox,
 * Post_DisableLockbox; and Keyward's own: the customer's event list, and the operator's way to raise a request.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class LockboxController {

    static final ApiVersions API_VERSIONS = ApiVersions.of("2018-02-28-preview");
    private static final String REQUESTS = "/subscriptions/{subscriptionId}/providers/Microsoft.CustomerLockbox/requests";
    private static final Pattern STATUS_FILTER = Pattern.compile("^\\s*properties/status\\s+eq\\s+'([A-Za-z]+)'\\s*$", Pattern.CASE_INSENSITIVE);

    private final LockboxService lockbox;
    private final ArmRequestContent content;

    LockboxController(LockboxService lockbox, ArmRequestContent content) {
        this.lockbox = lockbox;
        this.content = content;
    }

    @Get(REQUESTS)
    LockboxWire.Listed<LockboxWire.RequestOut> list(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        String filter = request.getParameters().get("$filter");
        String wanted = null;
        if (filter != null && !filter.isBlank()) {
            Matcher m = STATUS_FILTER.matcher(filter);
            if (!m.matches()) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "Only a filter by request status is supported, e.g."
                        + " $filter=properties/status eq 'Pending'.", "$filter");
            }
            wanted = m.group(1);
        }
        Instant now = lockbox.now();
        String status = wanted;
        List<LockboxWire.RequestOut> out = lockbox.list(SubscriptionId.parse(subscriptionId), caller).stream()
                .map(r -> LockboxWire.out(r, now)).filter(r -> status == null || r.properties().status().equalsIgnoreCase(status)).toList();
        return new LockboxWire.Listed<>(out);
    }

    @Get(REQUESTS + "/{requestId}")
    LockboxWire.RequestOut get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId, @PathVariable String requestId) {
        apiVersion(request);
        return LockboxWire.out(lockbox.get(SubscriptionId.parse(subscriptionId), requestId(requestId), caller), lockbox.now());
    }

    @Post(REQUESTS + "/{requestId}/updateApproval")
    LockboxWire.Approval updateStatus(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                      @PathVariable String requestId, @Nullable @Body String body) {
        apiVersion(request);
        KnownMembers.require(content.read(body, Map.class), Map.of("decision", KnownMembers.VALUE, "status", KnownMembers.VALUE,
                "reason", KnownMembers.VALUE), "an approval has a decision (Approve or Deny) and a reason");
        LockboxWire.Approval approval = content.read(body, LockboxWire.Approval.class);
        String decision = approval.decision() != null ? approval.decision() : approval.status();
        boolean approve;
        if ("Approve".equalsIgnoreCase(decision)) {
            approve = true;
        } else if ("Deny".equalsIgnoreCase(decision)) {
            approve = false;
        } else {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The decision must be Approve or Deny, not '" + decision + "'.",
                    approval.decision() != null ? "decision" : "status");
        }
        lockbox.decide(SubscriptionId.parse(subscriptionId), requestId(requestId), approve, approval.reason(), caller);
        return approval;
    }

    @Get("/providers/Microsoft.CustomerLockbox/tenantOptedIn/{tenantId}")
    LockboxWire.TenantOptIn tenantOptedIn(HttpRequest<?> request, Principal caller, @PathVariable String tenantId) {
        apiVersion(request);
        return new LockboxWire.TenantOptIn(lockbox.optedIn(tenantId, caller));
    }

    @Post("/providers/Microsoft.CustomerLockbox/enableLockbox")
    HttpResponse<?> enable(HttpRequest<?> request, Principal caller) {
        apiVersion(request);
        lockbox.setOptedIn(true, caller);
        return HttpResponse.ok();
    }

    @Post("/providers/Microsoft.CustomerLockbox/disableLockbox")
    HttpResponse<?> disable(HttpRequest<?> request, Principal caller) {
        apiVersion(request);
        lockbox.setOptedIn(false, caller);
        return HttpResponse.ok();
    }

    /** Keyward's: every request, decision and support access of the subscription, and the tenant's opt-in changes. */
    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.CustomerLockbox/events")
    LockboxWire.Listed<LockboxWire.EventOut> events(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        return new LockboxWire.Listed<>(lockbox.events(SubscriptionId.parse(subscriptionId), caller).stream().map(LockboxWire::out).toList());
    }

    /** Keyward's operator endpoint: raise a support access request for a workspace (201 with the request). */
    @Post("/keyward/lockbox/requests")
    HttpResponse<LockboxWire.RequestOut> raise(Principal caller, @Nullable @Body String body) {
        KnownMembers.require(content.read(body, Map.class), Map.of("workspaceResourceId", KnownMembers.VALUE, "supportPrincipalId",
                KnownMembers.VALUE, "justification", KnownMembers.VALUE, "supportRequest", KnownMembers.VALUE, "durationHours",
                KnownMembers.VALUE), "a support access request names the workspace, the support principal, the justification, the"
                + " support request and the duration in hours");
        LockboxWire.RaiseRequest r = content.read(body, LockboxWire.RaiseRequest.class);
        LockboxRepository.Request raised = lockbox.raise(caller, r.workspaceResourceId(), r.supportPrincipalId(), r.justification(),
                r.supportRequest(), r.durationHours());
        return HttpResponse.status(HttpStatus.CREATED).body(LockboxWire.out(raised, lockbox.now()));
    }

    private static void apiVersion(HttpRequest<?> request) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
    }

    private static UUID requestId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ArmException(ArmErrorCode.ResourceNotFound, "The Lockbox request '" + id + "' was not found.");
        }
    }
}
