package io.keyward.hsm;

/** A key version that exists in the token, with its type as the token reports it. */
public record KeyVersion(KeyVersionRef ref, KeyType type) {
}
