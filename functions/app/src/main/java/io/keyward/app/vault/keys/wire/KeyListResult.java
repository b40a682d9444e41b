package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** A page of {@link KeyItem}s; {@code nextLink} is absent on the last page. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyListResult(List<KeyItem> value, String nextLink) {
}
