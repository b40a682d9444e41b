package io.keyward.app.arm;

import io.keyward.app.identity.Principal;
import java.util.Optional;

/**
 * What a succeeded operation leaves behind, for its {@code Location} URL (ARM RPC, async-api-reference: a finished
 * PUT or PATCH answers 200 with the resource, a finished DELETE 204). Each package that starts operations supplies one
 * bean for its own kinds; the operations controller asks them all.
 */
public interface OperationOutcome {

    /**
     * The resource {@code op} created or updated, as a GET of it shows it to {@code caller}; empty when {@code op} is not
     * of this bean's kinds or leaves no resource (a delete, an unlink).
     */
    Optional<Object> finalResource(AsyncOperation op, Principal caller);
}
