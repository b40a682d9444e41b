package io.keyward.app.hsm;

import io.keyward.hsm.TokenStatus;

/** Outcome of one deep HSM probe: a token that answered, or a short secret-free reason why not. */
public sealed interface HsmHealth {

    record Up(TokenStatus token) implements HsmHealth {
    }

    record Down(String reason) implements HsmHealth {
    }
}
