package io.keyward.app.arm;

import io.micronaut.http.HttpRequest;

/** ARM's {@code $top} query parameter: absent means the default, otherwise a positive integer capped at a maximum. */
public final class PageSize {
    private PageSize() {
    }

    public static int of(HttpRequest<?> request, int defaultSize, int maxSize) {
        String top = request.getParameters().get("$top");
        if (top == null) {
            return defaultSize;
        }
        try {
            int n = Integer.parseInt(top.trim());
            if (n >= 1) {
                return Math.min(n, maxSize);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ArmException(ArmErrorCode.InvalidParameter,
                "The value '" + top + "' of $top is invalid. It must be a positive integer.", "$top");
    }
}
