package io.keyward.bench;

import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmConfig;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersion;
import io.keyward.hsm.WrapAlgorithm;
import io.keyward.hsm.internal.Pkcs11Binding;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.params.RSA_PKCS_OAEP_PARAMS;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * RSA-2048 OAEP unwrap in the token: through crypto-hsm's {@link Hsm} (pool, handle cache, classification) and,
 * as the limit, the same token calls made directly (C_UnwrapKey into a session object, C_GetAttributeValue of its
 * value, C_DestroyObject: the KEK may only unwrap) on a session per thread of the same loaded module and token.
 * Run once with -t 1 and once with -t 2.
 */
public class UnwrapBenchmark {

    @State(Scope.Benchmark)
    public static class Token {
        Hsm hsm;
        KeyVersion kek;
        byte[] wrapped;

        @Setup(Level.Trial)
        public void open() {
            hsm = Hsm.open(HsmConfig.builderFromEnvironment(System.getenv()).maxSessions(4).build());
            kek = hsm.keys().create("bench/unwrap-" + System.nanoTime(), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
            wrapped = hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, hsm.random(32));
        }

        @TearDown(Level.Trial)
        public void close() {
            hsm.keys().delete(kek.ref());
            hsm.close();
        }
    }

    /** A logged-in session of this thread's own, on the same module and token as {@link Token#hsm}. */
    @State(Scope.Thread)
    public static class DirectSession {
        Session session;
        long privateKey;
        Mechanism oaep;

        @Setup(Level.Trial)
        public void open(Token token) throws Exception {
            Pkcs11Binding binding = Pkcs11Binding.acquire(token.hsm.config().library());
            String label = token.hsm.config().tokenLabel();
            Slot slot = null;
            for (Slot s : binding.module().getSlotList(true)) {
                if (s.getToken().getTokenInfo().getLabel().trim().equals(label)) {
                    slot = s;
                }
            }
            session = slot.getToken().openSession(true);
            try {
                session.login(CKU_USER, token.hsm.config().userPin());
            } catch (org.xipki.pkcs11.wrapper.PKCS11Exception e) {
                if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
                    throw e;
                }
            }
            privateKey = session.findObjectsSingle(new AttributeVector().class_(CKO_PRIVATE_KEY)
                    .label(token.kek.ref().name()).id(token.kek.ref().idBytes()), 1)[0];
            oaep = new Mechanism(CKM_RSA_PKCS_OAEP, new RSA_PKCS_OAEP_PARAMS(CKM_SHA_1, CKG_MGF1_SHA1));
            binding.release();
        }

        @TearDown(Level.Trial)
        public void close() throws Exception {
            session.closeSession();
        }
    }

    @Benchmark
    public byte[] viaCryptoHsm(Token token) {
        return token.hsm.unwrap(token.kek.ref(), WrapAlgorithm.RSA_OAEP, token.wrapped);
    }

    @Benchmark
    public byte[] directLimit(Token token, DirectSession direct) throws Exception {
        long unwrapped = direct.session.unwrapKey(direct.oaep, direct.privateKey, token.wrapped,
                AttributeVector.newSecretKey(CKK_GENERIC_SECRET).token(false).extractable(true).sensitive(false));
        try {
            return direct.session.getAttrValues(unwrapped, CKA_VALUE).value();
        } finally {
            direct.session.destroyObject(unwrapped);
        }
    }
}
