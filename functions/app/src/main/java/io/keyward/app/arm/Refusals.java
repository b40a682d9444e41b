package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of one request that Keyward refuses, collected so that the one 400 answer names every one of them
 * rather than the first (a caller fixing its request learns all it must change at once, and a test can check that
 * none is accepted and dropped). One refusal is thrown as it is; several become one {@code InvalidParameter} whose
 * message names each, with each refusal as an entry of {@code details}.
 */
public final class Refusals {

    private final List<ArmException> found = new ArrayList<>();

    /** Runs a check that refuses by throwing an {@link ArmException}, and keeps what it throws. */
    public Refusals check(Runnable check) {
        try {
            check.run();
        } catch (ArmException e) {
            found.add(e);
        }
        return this;
    }

    public Refusals add(ArmException refusal) {
        found.add(refusal);
        return this;
    }

    public boolean isEmpty() {
        return found.isEmpty();
    }

    /** Throws what was collected: nothing when nothing was refused. */
    public void throwIfAny() {
        if (found.isEmpty()) {
            return;
        }
        if (found.size() == 1) {
            throw found.get(0);
        }
        List<ErrorEnvelope.Body> details = found.stream().map(e -> new ErrorEnvelope.Body(e.code().name(), e.getMessage(), e.target(),
                null)).toList();
        StringBuilder message = new StringBuilder("The request has " + found.size() + " settings Keyward cannot apply:");
        for (ArmException e : found) {
            message.append(' ').append(e.getMessage());
        }
        throw new ArmException(found.get(0).code(), message.toString(), found.get(0).target(), details);
    }
}
