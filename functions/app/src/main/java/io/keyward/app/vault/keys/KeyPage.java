package io.keyward.app.vault.keys;

import java.util.List;

/** One page of a listing; {@code nextOffset} is null on the last page. */
public record KeyPage<T>(List<T> items, Integer nextOffset) {
}
