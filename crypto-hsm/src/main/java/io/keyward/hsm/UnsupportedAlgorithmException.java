package io.keyward.hsm;

/** The token refused an algorithm it does not implement; names both so that the caller can report it plainly. */
public final class UnsupportedAlgorithmException extends HsmException {
    private final WrapAlgorithm algorithm;
    private final String token;

    public UnsupportedAlgorithmException(WrapAlgorithm algorithm, String token) {
        super(HsmFailure.UNSUPPORTED_ALGORITHM,
                "algorithm " + algorithm.jwaName() + " is not supported by HSM token " + token);
        this.algorithm = algorithm;
        this.token = token;
    }

    public WrapAlgorithm algorithm() {
        return algorithm;
    }

    /** The token's label and model, as reported by the token itself. */
    public String token() {
        return token;
    }
}
