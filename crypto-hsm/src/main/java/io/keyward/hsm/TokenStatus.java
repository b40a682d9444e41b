package io.keyward.hsm;

/** What the token says about itself (C_GetTokenInfo) plus whether Keyward's sessions are logged in. */
public record TokenStatus(String label, String manufacturer, String model, String serialNumber, boolean loggedIn) {
    /** Label and model, for messages: e.g. {@code 'keyward' (SoftHSM v2)}. */
    public String describe() {
        return "'" + label + "' (" + model + ")";
    }
}
