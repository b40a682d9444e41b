package io.keyward.app.identity;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.serde.annotation.Serdeable;

/**
 * Client registration for people running Keyward ({@code ./keyward client add}): operators only, in any tenant.
 * The answer is the only place the new secret ever appears.
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

    @Serdeable
    record NewClient(@Nullable String displayName) {
    }

    @Serdeable
    record RegisteredClient(String tenantId, String clientId, String clientSecret, String objectId, String displayName) {
    }
}
