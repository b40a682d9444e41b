package io.keyward.app.vault;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Key permissions of a Key Vault access policy, spelled on the wire as the ARM spec's {@code KeyPermissions} enum
 * ({@code wrapKey}, {@code getrotationpolicy}, ...). Azure compares them case-insensitively, and {@code all} stands
 * for every one of them.
 */
public enum KeyPermission {
    GET("get"), LIST("list"), UPDATE("update"), CREATE("create"), IMPORT("import"), DELETE("delete"),
    RECOVER("recover"), BACKUP("backup"), RESTORE("restore"), DECRYPT("decrypt"), ENCRYPT("encrypt"),
    UNWRAP_KEY("unwrapKey"), WRAP_KEY("wrapKey"), VERIFY("verify"), SIGN("sign"), PURGE("purge"),
    RELEASE("release"), ROTATE("rotate"), GET_ROTATION_POLICY("getrotationpolicy"),
    SET_ROTATION_POLICY("setrotationpolicy");

    public static final String ALL = "all";
    private static final Map<String, KeyPermission> BY_WIRE_NAME = EnumSet.allOf(KeyPermission.class).stream()
            .collect(Collectors.toMap(p -> p.wireName.toLowerCase(Locale.ROOT), Function.identity()));

    private final String wireName;

    KeyPermission(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The permissions {@code name} stands for: one, all of them for {@code all}, none when it is unknown. */
    public static Optional<Set<KeyPermission>> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals(ALL)) {
            return Optional.of(EnumSet.allOf(KeyPermission.class));
        }
        KeyPermission p = BY_WIRE_NAME.get(key);
        return p == null ? Optional.empty() : Optional.of(EnumSet.of(p));
    }
}
