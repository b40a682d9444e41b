package io.keyward.hsm.internal;

import io.keyward.hsm.HsmException;
import io.keyward.hsm.HsmFailure;
import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One loaded PKCS#11 library per JVM and path. C_Initialize/C_Finalize are process-wide in the library, so two
 * independent owners would finalize each other; this holder initialises once, counts its users, and numbers each
 * (re)initialisation so that sessions and handles of an older generation are recognised and dropped.
 * It never finalizes for good: see {@link #release()}.
 */
public final class Pkcs11Binding {
    private static final Map<Path, Pkcs11Binding> LOADED = new HashMap<>();

    static {
        org.xipki.pkcs11.wrapper.StaticLogger.setLogger(new WrapperLog());
    }


    private final Path library;
    private final PKCS11Module module;
    private volatile long generation = 1;
    private int users;

    private Pkcs11Binding(Path library, PKCS11Module module) {
        this.library = library;
        this.module = module;
    }

    public static synchronized Pkcs11Binding acquire(Path library) {
        Path key = library.toAbsolutePath().normalize();
        Pkcs11Binding b = LOADED.get(key);
        if (b == null) {
            PKCS11Module m;
            try {
                m = PKCS11Module.getInstance(key.toString());
            } catch (IOException | RuntimeException e) {
                throw new HsmException(HsmFailure.CONFIGURATION, "cannot load PKCS#11 library " + key, e);
            }
            b = new Pkcs11Binding(key, m);
            b.initialize();
            LOADED.put(key, b);
        }
        b.users++;
        return b;
    }

    /**
     * Forgets one user. The module itself stays loaded and initialised until the JVM exits: loading the
     * library a second time after a C_Finalize gave a module that refused the correct PIN (measured with SoftHSM2),
     * and a process that used an HSM once is likely to use it again.
     */
    public void release() {
        synchronized (Pkcs11Binding.class) {
            users--;
        }
    }

    public PKCS11Module module() {
        return module;
    }

    public long generation() {
        return generation;
    }

    public Path library() {
        return library;
    }

    /**
     * Finalizes and initialises the module again, which makes the library re-read its tokens; a token that came
     * back (device reset, files restored) is usable after this. Idempotent per generation: when another thread
     * already re-initialised since {@code seenGeneration}, nothing is done.
     */
    public synchronized void reinitialize(long seenGeneration) {
        if (generation != seenGeneration) {
            return;
        }
        try {
            module.finalize(null);
        } catch (PKCS11Exception ignored) {
            // Already finalized or the device is gone; initialise anyway.
        }
        generation++;
        initialize();
    }

    private void initialize() {
        try {
            module.initialize();
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != PKCS11Constants.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
                throw new HsmException(HsmFailure.DEVICE_FAILED,
                        "C_Initialize failed for " + library + ": " + Ckr.name(e));
            }
        }
    }
}
