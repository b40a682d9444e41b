package io.keyward.hsm;

import java.util.Optional;
import java.util.Set;

/**
 * One key object of the token as the token reports it (not as Keyward asked for it): its label and id, whether it
 * is the private, public or secret half, and its usage and protection attributes.
 *
 * @param label           CKA_LABEL
 * @param id              CKA_ID, in lowercase hex
 * @param usages          the {@link KeyUsage} attributes that are true
 * @param recoverOrDerive CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER or CKA_DERIVE is true (Keyward never grants them)
 * @param sensitive       CKA_SENSITIVE (false for a public key)
 * @param extractable     CKA_EXTRACTABLE (true for a public key)
 * @param wrapWithTrusted CKA_WRAP_WITH_TRUSTED: the token wraps it only with a CKA_TRUSTED key (false for a public key)
 */
public record KeyObject(String label, String id, Kind kind, Set<KeyUsage> usages, boolean recoverOrDerive,
                        boolean sensitive, boolean extractable, boolean wrapWithTrusted) {

    public enum Kind { PRIVATE, PUBLIC, SECRET }

    public KeyObject {
        usages = Set.copyOf(usages);
    }

    /** The key version this object belongs to; empty for objects not named the way Keyward names its keys. */
    public Optional<KeyVersionRef> ref() {
        if (!KeyVersionRef.NAME.matcher(label).matches() || !KeyVersionRef.VERSION.matcher(id).matches()) {
            return Optional.empty();
        }
        return Optional.of(new KeyVersionRef(label, id));
    }

    /**
     * True when nobody can read the secret half: a public key, or a sensitive object that is either never extractable
     * or extractable only wrapped by a trusted key ({@link KeyExport}).
     */
    public boolean locked() {
        return kind == Kind.PUBLIC || (sensitive && (!extractable || wrapWithTrusted));
    }

    /**
     * True when the object carries exactly the share of {@code granted} that its kind does, nothing more, and a
     * private or secret half is {@link #locked()}.
     */
    public boolean conformsTo(Set<KeyUsage> granted) {
        return locked() && !recoverOrDerive && usages.equals(KeyUsage.on(kind, granted));
    }
}
