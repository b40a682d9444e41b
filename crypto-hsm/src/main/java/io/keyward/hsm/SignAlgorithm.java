package io.keyward.hsm;

/** Signature algorithms by their JWA names, each one PKCS#11 mechanism that hashes inside the token. */
public enum SignAlgorithm {
    /** RSASSA-PKCS1-v1_5 with SHA-256 (CKM_SHA256_RSA_PKCS): what JWT's RS256 and Key Vault's RS256 mean. */
    RS256("RS256"),
    /** RSASSA-PKCS1-v1_5 with SHA-384 (CKM_SHA384_RSA_PKCS). */
    RS384("RS384"),
    /** RSASSA-PKCS1-v1_5 with SHA-512 (CKM_SHA512_RSA_PKCS). */
    RS512("RS512");

    private final String jwaName;

    SignAlgorithm(String jwaName) {
        this.jwaName = jwaName;
    }

    public String jwaName() {
        return jwaName;
    }

    /** The JCE name of the same signature, for verifying with the public key. */
    public String jcaName() {
        return "SHA" + jwaName.substring(2) + "withRSA";
    }
}
