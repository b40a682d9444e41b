package io.keyward.app.vault.keys;

import io.keyward.app.identity.Principal;
import io.keyward.app.vault.keys.wire.KeyAttributesWire;
import io.keyward.app.vault.keys.wire.KeyBackupValue;
import io.keyward.app.vault.keys.wire.KeyBundle;
import io.keyward.app.vault.keys.wire.KeyImportParameters;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.time.Instant;
import java.util.Base64;

/**
 * Key Vault's ImportKey ({@code PUT /keys/{name}}), BackupKey ({@code POST /keys/{name}/backup}) and RestoreKey
 * ({@code POST /keys/restore}), at the vault's own host like the other key operations, whose edge (vault by Host,
 * api-version, firewall, body reading) {@link KeysController} owns.
 */
@Controller
class KeyTransfersController {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final KeysController edge;
    private final KeyTransfers transfers;

    KeyTransfersController(KeysController edge, KeyTransfers transfers) {
        this.edge = edge;
        this.transfers = transfers;
    }

    @Put("/keys/{name}")
    KeyBundle importKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                        @QueryValue("api-version") @Nullable String apiVersion, @Body @Nullable String body) {
        KeysController.Target t = edge.target(request, apiVersion);
        KeyImportParameters p = edge.read(body, KeyImportParameters.class);
        if (p.releasePolicy() != null) {
            throw KeyVaultException.badParameter("release_policy is not supported: keys here are never released.");
        }
        KeyAttributesWire a = p.attributes();
        if (a != null && Boolean.TRUE.equals(a.exportable())) {
            throw KeyVaultException.badParameter("attributes.exportable true is not supported: keys here are never "
                    + "exported in the clear.");
        }
        KeyTransfers.ImportRequest r = new KeyTransfers.ImportRequest(p.key(), p.hsm(), a == null ? null : a.enabled(),
                a == null ? null : instant(a.nbf()), a == null ? null : instant(a.exp()), p.tags());
        return KeyBundles.of(transfers.importKey(t.vault(), caller, new KeyName(name), r), t.vault(), t.baseUrl());
    }

    @Post("/keys/{name}/backup")
    KeyBackupValue backupKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                             @QueryValue("api-version") @Nullable String apiVersion) {
        KeysController.Target t = edge.target(request, apiVersion);
        return new KeyBackupValue(B64URL.encodeToString(transfers.backup(t.vault(), caller, new KeyName(name))));
    }

    @Post("/keys/restore")
    KeyBundle restoreKey(HttpRequest<?> request, Principal caller,
                         @QueryValue("api-version") @Nullable String apiVersion, @Body @Nullable String body) {
        KeysController.Target t = edge.target(request, apiVersion);
        KeyBackupValue p = edge.read(body, KeyBackupValue.class);
        if (p.value() == null || p.value().isEmpty()) {
            throw KeyVaultException.badParameter("The value (the backup blob) is required.");
        }
        byte[] blob;
        try {
            blob = Base64.getUrlDecoder().decode(p.value().replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw KeyVaultException.badParameter("The value is not valid base64url.");
        }
        return KeyBundles.of(transfers.restore(t.vault(), caller, blob), t.vault(), t.baseUrl());
    }

    private static Instant instant(Long seconds) {
        return seconds == null ? null : Instant.ofEpochSecond(seconds);
    }
}
