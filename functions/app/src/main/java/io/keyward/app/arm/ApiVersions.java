package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * ARM's api-version rule: every request to a resource provider names the version of the contract it speaks, and an
 * unknown one is refused with the list the provider supports (ARM checks this before the provider sees the call).
 */
public record ApiVersions(List<String> supported) {

    public ApiVersions {
        supported = List.copyOf(supported);
    }

    public static ApiVersions of(String... versions) {
        return new ApiVersions(List.of(versions));
    }

    /** Returns {@code given} when it is a supported version; otherwise throws ARM's 400. */
    public String require(@Nullable String given) {
        if (given == null || given.isBlank()) {
            throw new ArmException(ArmErrorCode.MissingApiVersionParameter,
                    "The api-version query parameter (?api-version=) is required for all requests.", "api-version");
        }
        if (!supported.contains(given)) {
            throw new ArmException(ArmErrorCode.InvalidApiVersionParameter,
                    "The api-version '" + given + "' is invalid. The supported versions are '" + String.join(",", supported) + "'.",
                    "api-version");
        }
        return given;
    }
}
