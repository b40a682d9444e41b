package io.keyward.app.identity;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Optional;

/**
 * Client registration for people running Keyward ({@code ./keyward client add}): operators only, in any tenant.
 * The answer is the only place the new secret ever appears. A client can be disabled ({@code accountEnabled}, as
 * Entra's service principals) or deleted; either way the tokens it already holds are refused from their next use.
 */
@Controller("/identity/tenants/{tenant}/clients")
@Requires(property = "keyward.identity.mode", notEquals = "entra")
class ClientsController {

    private final Directory directory;

    ClientsController(Directory directory) {
        this.directory = directory;
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> register(@PathVariable String tenant, @Nullable @Body NewClient request, Principal caller) {
        if (!directory.isOperator(caller)) {
            return HttpResponse.status(HttpStatus.FORBIDDEN).body(ErrorEnvelope.of("AuthorizationFailed",
                    "The client '" + caller.objectId() + "' is not a Keyward operator and cannot register clients."));
        }
        if (!Directory.TENANT.matcher(tenant).matches()) {
            return HttpResponse.badRequest(ErrorEnvelope.of("InvalidParameter", "The tenant id is not valid.", "tenant"));
        }
        String name = request == null ? null : request.displayName();
        if (name == null || name.isBlank() || name.length() > 256) {
            return HttpResponse.badRequest(ErrorEnvelope.of("InvalidParameter",
                    "displayName is required, 1 to 256 characters.", "displayName"));
        }
        ClientCredentials c = directory.registerClient(tenant, name);
        return HttpResponse.status(HttpStatus.CREATED).body(new RegisteredClient(c.tenantId(), c.clientId(), c.clientSecret(),
                c.principal().objectId(), c.principal().displayName()))
                .header("Cache-Control", "no-store");
    }

    @Delete("/{clientId}")
    HttpResponse<?> delete(@PathVariable String tenant, @PathVariable String clientId, Principal caller) {
        if (!directory.isOperator(caller)) {
            return notOperator(caller, "delete");
        }
        Optional<Principal> client = directory.client(tenant, clientId);
        if (client.isEmpty() || !directory.deletePrincipal(tenant, client.get().objectId())) {
            return clientNotFound(tenant, clientId);
        }
        return HttpResponse.noContent();
    }

    @Patch(uri = "/{clientId}", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> update(@PathVariable String tenant, @PathVariable String clientId, @Nullable @Body ClientChange change,
                           Principal caller) {
        if (!directory.isOperator(caller)) {
            return notOperator(caller, "change");
        }
        if (change == null || change.accountEnabled() == null) {
            return HttpResponse.badRequest(ErrorEnvelope.of("InvalidParameter", "accountEnabled (true or false) is required.",
                    "accountEnabled"));
        }
        Optional<Principal> client = directory.client(tenant, clientId);
        if (client.isEmpty() || !directory.setPrincipalEnabled(tenant, client.get().objectId(), change.accountEnabled())) {
            return clientNotFound(tenant, clientId);
        }
        return HttpResponse.ok(new ClientState(tenant, clientId, client.get().objectId(), change.accountEnabled()));
    }

    private static HttpResponse<?> notOperator(Principal caller, String what) {
        return HttpResponse.status(HttpStatus.FORBIDDEN).body(ErrorEnvelope.of("AuthorizationFailed",
                "The client '" + caller.objectId() + "' is not a Keyward operator and cannot " + what + " clients."));
    }

    private static HttpResponse<?> clientNotFound(String tenant, String clientId) {
        return HttpResponse.status(HttpStatus.NOT_FOUND).body(ErrorEnvelope.of("ResourceNotFound",
                "No client '" + TokenController.printable(clientId) + "' in tenant '"
                + TokenController.printable(tenant) + "'."));
    }

    @Serdeable
    record NewClient(@Nullable String displayName) {
    }

    @Serdeable
    record ClientChange(@Nullable Boolean accountEnabled) {
    }

    @Serdeable
    record ClientState(String tenantId, String clientId, String objectId, boolean accountEnabled) {
    }

    @Serdeable
    record RegisteredClient(String tenantId, String clientId, String clientSecret, String objectId, String displayName) {
    }
}
