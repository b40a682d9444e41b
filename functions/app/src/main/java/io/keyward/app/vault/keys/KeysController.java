package io.keyward.app.vault.keys;

import io.keyward.app.base.ControlCharacters;
import io.keyward.app.identity.ClientAddress;
import io.keyward.app.identity.Principal;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.app.vault.keys.wire.KeyAttributesWire;
import io.keyward.app.vault.keys.wire.KeyBundle;
import io.keyward.app.vault.keys.wire.KeyCreateParameters;
import io.keyward.app.vault.keys.wire.KeyItem;
import io.keyward.app.vault.keys.wire.KeyListResult;
import io.keyward.app.vault.keys.wire.KeyOperationResult;
import io.keyward.app.vault.keys.wire.KeyOperationsParameters;
import io.keyward.app.vault.keys.wire.KeyUpdateParameters;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Key Vault's keys data plane at a vault's own host ({@code {vault}.vault.localhost:port}): the vault is the one
 * named by the Host header, as on Azure. Bodies are read here rather than bound, so that a malformed one is
 * Key Vault's 400 BadParameter and not the framework's error shape.
 */
@Controller
class KeysController {
    /** 7.0 up to 7.6 (and their previews) and the date-named versions the SDK sends from 2025 on. */
    private static final Pattern API_VERSION = Pattern.compile("7\\.[0-9](-preview(\\.[0-9]+)?)?|2025-07-01");
    /** A Host header's port; compiled once (String.replaceFirst compiles its pattern on every call, ~1.4 % of unwrapkey). */
    private static final Pattern PORT = Pattern.compile(":[0-9]+$");
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final VaultKeys keys;
    private final VaultService vaults;
    private final ObjectMapper json;
    private final String dnsSuffix;

    KeysController(VaultKeys keys, VaultService vaults, ObjectMapper json,
                   @Value("${keyward.vault.dns-suffix:vault.localhost}") String dnsSuffix) {
        this.keys = keys;
        this.vaults = vaults;
        this.json = json;
        this.dnsSuffix = dnsSuffix.toLowerCase(Locale.ROOT);
    }

    @Post("/keys/{name}/create")
    HttpResponse<KeyBundle> createKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                                      @QueryValue("api-version") @Nullable String apiVersion,
                                      @Body @Nullable String body) {
        Target t = target(request, apiVersion);
        KeyCreateParameters p = read(body, KeyCreateParameters.class);
        KeyAttributesWire a = p.attributes();
        KeySpec spec = new KeySpec(KeyKind.fromRequest(p.kty()), p.keySize(), operations(p.keyOps()),
                a == null ? null : a.enabled(), a == null ? null : instant(a.nbf()), a == null ? null : instant(a.exp()),
                p.tags());
        // The SDK's CreateRsaKeyOptions sends 0 when no exponent was set: 0 means the default, as absent does.
        if (p.publicExponent() != null && p.publicExponent() != 0 && p.publicExponent() != 65537) {
            throw KeyVaultException.badParameter("Public exponent " + p.publicExponent()
                    + " is not supported; use 65537.");
        }
        KeyVersion v = keys.create(t.vault, caller, new KeyName(name), spec);
        return HttpResponse.ok(KeyBundles.of(v, t.vault, t.baseUrl));
    }

    @Get("/keys/{name}/versions")
    KeyListResult getKeyVersions(HttpRequest<?> request, Principal caller, @PathVariable String name,
                                 @QueryValue("api-version") @Nullable String apiVersion,
                                 @QueryValue @Nullable Integer maxresults,
                                 @QueryValue("$skiptoken") @Nullable String skiptoken) {
        Target t = target(request, apiVersion);
        int limit = limit(maxresults);
        KeyPage<KeyVersion> page = keys.versions(t.vault, caller, new KeyName(name), offset(skiptoken), limit);
        return listResult(page, v -> KeyBundles.versionItem(v, t.vault, t.baseUrl), t,
                "/keys/" + name + "/versions", apiVersion, limit);
    }

    @Get("/keys")
    KeyListResult getKeys(HttpRequest<?> request, Principal caller,
                          @QueryValue("api-version") @Nullable String apiVersion,
                          @QueryValue @Nullable Integer maxresults,
                          @QueryValue("$skiptoken") @Nullable String skiptoken) {
        Target t = target(request, apiVersion);
        int limit = limit(maxresults);
        KeyPage<KeyVersion> page = keys.list(t.vault, caller, offset(skiptoken), limit);
        return listResult(page, v -> KeyBundles.item(v, t.vault, t.baseUrl), t, "/keys", apiVersion, limit);
    }

    @Get("/keys/{name}{/version}")
    KeyBundle getKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                     @PathVariable @Nullable String version,
                     @QueryValue("api-version") @Nullable String apiVersion) {
        Target t = target(request, apiVersion);
        return KeyBundles.of(keys.get(t.vault, caller, new KeyName(name), version), t.vault, t.baseUrl);
    }

    @Patch("/keys/{name}{/version}")
    KeyBundle updateKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                        @PathVariable @Nullable String version,
                        @QueryValue("api-version") @Nullable String apiVersion, @Body @Nullable String body) {
        Target t = target(request, apiVersion);
        KeyUpdateParameters p = read(body, KeyUpdateParameters.class);
        KeyAttributesWire a = p.attributes();
        // The SDK's updateKeyProperties sends "key_ops":[] when the caller named no operations: keep them then.
        List<KeyOperation> ops = p.keyOps() == null || p.keyOps().isEmpty() ? null : operations(p.keyOps());
        KeyChanges changes = new KeyChanges(ops, a == null ? null : a.enabled(),
                a == null ? null : instant(a.nbf()), a == null ? null : instant(a.exp()), p.tags());
        return KeyBundles.of(keys.update(t.vault, caller, new KeyName(name), version, changes), t.vault, t.baseUrl);
    }

    @Delete("/keys/{name}")
    KeyBundle deleteKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                        @QueryValue("api-version") @Nullable String apiVersion) {
        Target t = target(request, apiVersion);
        return KeyBundles.deleted(keys.delete(t.vault, caller, new KeyName(name)), t.vault, t.baseUrl);
    }

    @Get("/deletedkeys")
    KeyListResult getDeletedKeys(HttpRequest<?> request, Principal caller,
                                 @QueryValue("api-version") @Nullable String apiVersion,
                                 @QueryValue @Nullable Integer maxresults,
                                 @QueryValue("$skiptoken") @Nullable String skiptoken) {
        Target t = target(request, apiVersion);
        int limit = limit(maxresults);
        KeyPage<DeletedKey> page = keys.listDeleted(t.vault, caller, offset(skiptoken), limit);
        return listResult(page, d -> KeyBundles.deletedItem(d, t.vault, t.baseUrl), t, "/deletedkeys", apiVersion,
                limit);
    }

    @Get("/deletedkeys/{name}")
    KeyBundle getDeletedKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                            @QueryValue("api-version") @Nullable String apiVersion) {
        Target t = target(request, apiVersion);
        return KeyBundles.deleted(keys.getDeleted(t.vault, caller, new KeyName(name)), t.vault, t.baseUrl);
    }

    @Post("/deletedkeys/{name}/recover")
    KeyBundle recoverDeletedKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                                @QueryValue("api-version") @Nullable String apiVersion) {
        Target t = target(request, apiVersion);
        return KeyBundles.of(keys.recover(t.vault, caller, new KeyName(name)), t.vault, t.baseUrl);
    }

    @Delete("/deletedkeys/{name}")
    HttpResponse<?> purgeDeletedKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                                    @QueryValue("api-version") @Nullable String apiVersion) {
        Target t = target(request, apiVersion);
        keys.purge(t.vault, caller, new KeyName(name));
        return HttpResponse.noContent();
    }

    @Post("/keys/{name}/{version}/wrapkey")
    KeyOperationResult wrapKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                               @PathVariable String version, @QueryValue("api-version") @Nullable String apiVersion,
                               @Body @Nullable String body) {
        Target t = cryptoTarget(request, apiVersion);
        KeyOperationsParameters p = read(body, KeyOperationsParameters.class);
        return result(keys.recent(t.vault, new KeyName(name), version).wrap(caller, p.alg(), value(p)), t);
    }

    @Post("/keys/{name}/{version}/unwrapkey")
    KeyOperationResult unwrapKey(HttpRequest<?> request, Principal caller, @PathVariable String name,
                                 @PathVariable String version, @QueryValue("api-version") @Nullable String apiVersion,
                                 @Body @Nullable String body) {
        Target t = cryptoTarget(request, apiVersion);
        KeyOperationsParameters p = read(body, KeyOperationsParameters.class);
        return result(keys.recent(t.vault, new KeyName(name), version).unwrap(caller, p.alg(), value(p)), t);
    }

    @Post("/keys/{name}/{version}/encrypt")
    KeyOperationResult encrypt(HttpRequest<?> request, Principal caller, @PathVariable String name,
                               @PathVariable String version, @QueryValue("api-version") @Nullable String apiVersion,
                               @Body @Nullable String body) {
        Target t = cryptoTarget(request, apiVersion);
        KeyOperationsParameters p = read(body, KeyOperationsParameters.class);
        return result(keys.recent(t.vault, new KeyName(name), version).encrypt(caller, p.alg(), value(p)), t);
    }

    @Post("/keys/{name}/{version}/decrypt")
    KeyOperationResult decrypt(HttpRequest<?> request, Principal caller, @PathVariable String name,
                               @PathVariable String version, @QueryValue("api-version") @Nullable String apiVersion,
                               @Body @Nullable String body) {
        Target t = cryptoTarget(request, apiVersion);
        KeyOperationsParameters p = read(body, KeyOperationsParameters.class);
        return result(keys.recent(t.vault, new KeyName(name), version).decrypt(caller, p.alg(), value(p)), t);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The vault this request is for, and the base URL (scheme, host and port the caller used) ids are built on. */
    record Target(Vault vault, String baseUrl) {
    }

    Target target(HttpRequest<?> request, String apiVersion) {
        return target(request, apiVersion, false);
    }

    /**
     * The target of a crypto call: vault and key as read at most {@code keyward.vault.metadata-cache-ttl} ago (the
     * request path's only database reads otherwise; {@link VaultService#findRecentActiveByName}, {@link VaultKeys#recent}).
     */
    private Target cryptoTarget(HttpRequest<?> request, String apiVersion) {
        return target(request, apiVersion, true);
    }

    private Target target(HttpRequest<?> request, String apiVersion, boolean recent) {
        String host = request.getHeaders().get("Host");
        if (host == null || host.isBlank()) {
            host = request.getUri().getAuthority();
        }
        if (host == null) {
            throw KeyVaultException.vaultNotFound("");
        }
        String hostOnly = PORT.matcher(host.toLowerCase(Locale.ROOT)).replaceFirst("");
        String suffix = "." + dnsSuffix;
        if (!hostOnly.endsWith(suffix) || hostOnly.length() == suffix.length()
                || hostOnly.substring(0, hostOnly.length() - suffix.length()).contains(".")) {
            throw KeyVaultException.vaultNotFound(host);
        }
        if (apiVersion == null || apiVersion.isEmpty()) {
            throw KeyVaultException.badParameter("The api-version query parameter is required.");
        }
        if (!API_VERSION.matcher(apiVersion).matches()) {
            throw KeyVaultException.badParameter("The specified version (" + apiVersion
                    + ") is not recognized. Consider using the latest supported version (2025-07-01).");
        }
        String vaultName = hostOnly.substring(0, hostOnly.length() - suffix.length());
        Vault vault = (recent ? vaults.findRecentActiveByName(vaultName) : vaults.findActiveByName(vaultName))
                .orElseThrow(() -> KeyVaultException.vaultNotFound(request.getHeaders().get("Host")));
        // the vault's firewall, by the caller's address, before any key is read; Key Vault's 403 and inner codes
        String address = ClientAddress.of(request);
        String where = "\r\nVault: " + vault.name() + ";location=" + vault.location();
        vault.refusesPublicCaller(address).ifPresent(code -> {
            throw KeyVaultException.forbidden(code, code.equals("ForbiddenByConnection")
                    ? "Public network access is disabled and request is not from a trusted service nor via an approved private link." + where
                    : "Client address is not authorized and caller is not a trusted service.\r\nClient address: "
                            + (address == null ? "unknown" : address) + where);
        });
        return new Target(vault, "https://" + host);
    }

    <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw KeyVaultException.badParameter("The request body is required.");
        }
        JsonNode tree;
        try {
            tree = json.readValue(body, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            throw KeyVaultException.badParameter("The request body is not valid JSON for this operation.");
        }
        if (tree != null) {
            // before anything stores or logs a value: PostgreSQL cannot store NUL, a line break splits a log line
            ControlCharacters.inJson(tree).ifPresent(f -> {
                throw KeyVaultException.badParameter(switch (f.kind()) {
                    case VALUE -> "The property '" + f.path() + "' contains a control character.";
                    case NAME -> "A property name under '" + (f.path().isEmpty() ? "the body" : f.path()) + "' contains a control character.";
                    case NULL_TAG -> "The tag '" + f.path().substring("tags.".length()) + "' has no value: a tag value is a string.";
                });
            });
        }
        if (type == KeyOperationsParameters.class && tree != null) {
            KeyOperationsParameters direct = operationParameters(tree);
            if (direct != null) {
                return type.cast(direct);
            }
        }
        try {
            T value = tree == null || tree.isNull() ? null : json.readValueFromTree(tree, Argument.of(type));
            if (value == null) {
                throw KeyVaultException.badParameter("The request body is required.");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof KeyVaultException k) {
                throw k;
            }
            throw KeyVaultException.badParameter("The request body is not valid JSON for this operation.");
        }
    }

    private static final Set<String> OPERATION_MEMBERS = Set.of("alg", "value", "iv", "aad", "tag");

    /**
     * The crypto operations' body straight from the tree already parsed (their hot path: serde's tree conversion
     * writes the tree out and reads it again). Only for the plain shape, an object of known members that are strings
     * or null; anything else (null for the caller) goes through serde, so its answer to odd bodies is unchanged.
     */
    static KeyOperationsParameters operationParameters(JsonNode tree) {
        if (!tree.isObject()) {
            return null;
        }
        for (Map.Entry<String, JsonNode> member : tree.entries()) {
            if (!OPERATION_MEMBERS.contains(member.getKey()) || !(member.getValue().isString() || member.getValue().isNull())) {
                return null;
            }
        }
        return new KeyOperationsParameters(text(tree, "alg"), text(tree, "value"), text(tree, "iv"), text(tree, "aad"),
                text(tree, "tag"));
    }

    private static String text(JsonNode tree, String member) {
        JsonNode node = tree.get(member);
        return node == null || node.isNull() ? null : node.getStringValue();
    }

    private static byte[] value(KeyOperationsParameters p) {
        if (p.value() == null) {
            throw KeyVaultException.badParameter("The value is required.");
        }
        try {
            // Key Vault sends base64url without padding; tolerate padding and the standard alphabet too.
            return Base64.getUrlDecoder().decode(p.value().replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw KeyVaultException.badParameter("The value is not valid base64url.");
        }
    }

    private static KeyOperationResult result(CryptoResult r, Target t) {
        return new KeyOperationResult(KeyBundles.kid(r.key(), t.baseUrl), B64URL.encodeToString(r.value()));
    }

    private static List<KeyOperation> operations(List<String> ops) {
        return ops == null ? null : ops.stream().map(KeyOperation::fromWire).distinct().toList();
    }

    private static Instant instant(Long seconds) {
        return seconds == null ? null : Instant.ofEpochSecond(seconds);
    }

    private static int limit(Integer maxresults) {
        if (maxresults == null) {
            return VaultKeys.MAX_PAGE;
        }
        if (maxresults < 1 || maxresults > VaultKeys.MAX_PAGE) {
            throw KeyVaultException.badParameter("maxresults must be between 1 and " + VaultKeys.MAX_PAGE + ".");
        }
        return maxresults;
    }

    private static int offset(String skiptoken) {
        if (skiptoken == null || skiptoken.isEmpty()) {
            return 0;
        }
        try {
            int offset = Integer.parseInt(skiptoken);
            if (offset < 0) {
                throw new NumberFormatException();
            }
            return offset;
        } catch (NumberFormatException e) {
            throw KeyVaultException.badParameter("The $skiptoken is not valid.");
        }
    }

    private static <T> KeyListResult listResult(KeyPage<T> page, Function<T, KeyItem> item, Target t, String path,
                                                String apiVersion, int limit) {
        String next = page.nextOffset() == null ? null : t.baseUrl + path + "?api-version=" + apiVersion
                + "&$skiptoken=" + page.nextOffset() + "&maxresults=" + limit;
        return new KeyListResult(page.items().stream().map(item).toList(), next);
    }
}
