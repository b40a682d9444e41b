package io.keyward.app.identity;

/** The token audiences Keyward accepts, as Azure's resources name them (a trailing slash is tolerated on both). */
public final class Audiences {

    public static final String KEY_VAULT = "https://vault.azure.net";
    public static final String ARM = "https://management.azure.com/";
    /**
     * ARM's classic audience, the first in its cloud metadata, which the Azure CLI requests its tokens for. Tokens
     * asked for it are issued for {@link #ARM}: the same surface, one audience on the wire.
     */
    public static final String ARM_CLASSIC = "https://management.core.windows.net/";

    private Audiences() {
    }

    /** True when {@code aud} names {@code audience}, ignoring one trailing slash on either side. */
    public static boolean same(String aud, String audience) {
        return aud != null && strip(aud).equalsIgnoreCase(strip(audience));
    }

    private static String strip(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
