package io.keyward.app.hsm;

import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/**
 * Maps the typed Micronaut configuration to crypto-hsm's plain {@link HsmConfig} and opens the one {@link Hsm}
 * of this process. One per JVM on purpose: two PKCS#11 bindings in one JVM break each other at C_Finalize.
 *
 * <p>The bean is created lazily, on first use, so that an unreachable HSM fails health checks and key operations
 * rather than the start of the whole function app.
 */
@Factory
class HsmFactory {

    @Singleton
    @Bean(preDestroy = "close")
    Hsm hsm(HsmProperties properties) {
        return Hsm.open(config(properties));
    }

    static HsmConfig config(HsmProperties p) {
        if (p.library() == null) {
            throw new HsmSettingMissing("keyward.hsm.library", "KEYWARD_HSM_LIBRARY");
        }
        if (p.tokenLabel() == null || p.tokenLabel().isBlank()) {
            throw new HsmSettingMissing("keyward.hsm.token-label", "KEYWARD_HSM_TOKEN_LABEL");
        }
        if (p.pin() == null || p.pin().isEmpty()) {
            throw new HsmSettingMissing("keyward.hsm.pin", "KEYWARD_HSM_PIN");
        }
        return HsmConfig.builder()
                .library(p.library())
                .tokenLabel(p.tokenLabel())
                .userPin(p.pin().toCharArray())
                .maxSessions(p.maxSessions())
                .borrowTimeout(p.borrowTimeout())
                .aesKwMechanism(Long.decode(p.aesKwMechanism()))
                .aesKwpMechanism(Long.decode(p.aesKwpMechanism()))
                .aesKwpWrapsExactLength(p.aesKwpWrapsExactLength())
                .soPinFile(p.soPinFile())
                .build();
    }
}
