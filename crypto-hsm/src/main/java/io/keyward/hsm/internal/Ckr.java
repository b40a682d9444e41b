package io.keyward.hsm.internal;

import io.keyward.hsm.HsmFailure;
import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Exception;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * The one place where PKCS#11 return codes become {@link HsmFailure} kinds. Everything else decides on the kind.
 */
public final class Ckr {
    private Ckr() {
    }

    public static HsmFailure classify(PKCS11Exception e) {
        return classify(e.getErrorCode());
    }

    public static HsmFailure classify(long code) {
        if (code == CKR_ENCRYPTED_DATA_INVALID || code == CKR_ENCRYPTED_DATA_LEN_RANGE
                || code == CKR_WRAPPED_KEY_INVALID || code == CKR_WRAPPED_KEY_LEN_RANGE
                || code == CKR_DATA_INVALID || code == CKR_DATA_LEN_RANGE || code == CKR_KEY_SIZE_RANGE
                || code == CKR_ATTRIBUTE_VALUE_INVALID || code == CKR_TEMPLATE_INCONSISTENT
                || code == CKR_TEMPLATE_INCOMPLETE) {
            return HsmFailure.BAD_INPUT;
        }
        if (code == CKR_KEY_HANDLE_INVALID || code == CKR_OBJECT_HANDLE_INVALID) {
            // Handles are cached; a stale one means the object went away (deleted, or the token was swapped).
            return HsmFailure.KEY_NOT_FOUND;
        }
        if (code == CKR_KEY_FUNCTION_NOT_PERMITTED || code == CKR_KEY_TYPE_INCONSISTENT
                || code == CKR_KEY_UNEXTRACTABLE || code == CKR_KEY_NOT_WRAPPABLE
                || code == CKR_ATTRIBUTE_SENSITIVE || code == CKR_ATTRIBUTE_READ_ONLY || code == CKR_ACTION_PROHIBITED) {
            // the last two: the object's attributes may not be changed (CKA_MODIFIABLE false, or the token's policy)
            return HsmFailure.KEY_UNUSABLE;
        }
        if (code == CKR_MECHANISM_INVALID || code == CKR_MECHANISM_PARAM_INVALID) {
            return HsmFailure.UNSUPPORTED_ALGORITHM;
        }
        if (code == CKR_SESSION_HANDLE_INVALID || code == CKR_SESSION_CLOSED || code == CKR_USER_NOT_LOGGED_IN
                || code == CKR_OPERATION_ACTIVE || code == CKR_OPERATION_NOT_INITIALIZED
                || code == CKR_SESSION_COUNT) {
            return HsmFailure.SESSION_BROKEN;
        }
        if (code == CKR_PIN_INCORRECT || code == CKR_PIN_LOCKED || code == CKR_PIN_EXPIRED
                || code == CKR_PIN_INVALID || code == CKR_PIN_LEN_RANGE || code == CKR_USER_PIN_NOT_INITIALIZED) {
            return HsmFailure.CONFIGURATION;
        }
        // CKR_DEVICE_ERROR, CKR_GENERAL_ERROR, CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT,
        // CKR_CRYPTOKI_NOT_INITIALIZED, CKR_FUNCTION_FAILED and anything unknown: assume the module is sick and
        // re-initialise it; a healthy module answers again after that.
        return HsmFailure.DEVICE_FAILED;
    }

    /** CKR_ARGUMENTS_BAD on a well-formed call means the token refused the mechanism's parameters. */
    public static boolean isArgumentsBad(PKCS11Exception e) {
        return e.getErrorCode() == PKCS11Constants.CKR_ARGUMENTS_BAD;
    }

    public static String name(PKCS11Exception e) {
        String n = PKCS11Constants.ckrCodeToName(e.getErrorCode());
        return n != null ? n : "CKR_0x" + Long.toHexString(e.getErrorCode());
    }
}
