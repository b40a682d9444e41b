package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.identity.SignInThrottle;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.SignAlgorithm;
import io.micronaut.json.JsonMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identity over HTTPS on the local host: the client-credentials token endpoint, the JWKS and OpenID metadata,
 * bearer authentication with both APIs' challenges, and operator-only client registration. Tokens are verified
 * with plain Nimbus against the published JWKS, as any relying party would.
 */
class IdentityEndpointsTest {

    private static final String DEFAULT_TENANT = "00000000-0000-0000-0000-00000000a11c";
    private static TestHost host;

    @BeforeAll
    static void start() {
        host = TestHost.get();
    }

    @Test
    void issuesTokensThatThePublishedKeysVerify() throws Exception {
        String tenant = tenant();
        ClientCredentials client = host.newClient(tenant, "app-1");

        String token = host.token(client, Audiences.KEY_VAULT);

        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        JWKSet jwks = JWKSet.parse(get("/" + tenant + "/discovery/v2.0/keys").body());
        RSAKey key = (RSAKey) jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).as("kid %s in the JWKS", jwt.getHeader().getKeyID()).isNotNull();
        assertThat(key.isPrivate()).isFalse();
        assertThat(jwt.verify(new RSASSAVerifier(key))).isTrue();
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(host.baseUri() + "/" + tenant + "/v2.0");
        assertThat(claims.getAudience()).containsExactly(Audiences.KEY_VAULT);
        assertThat(claims.getStringClaim("tid")).isEqualTo(tenant);
        assertThat(claims.getStringClaim("oid")).isEqualTo(client.principal().objectId());
        assertThat(claims.getStringClaim("appid")).isEqualTo(client.clientId());
        assertThat(claims.getExpirationTime()).isAfter(new Date());
        assertThat(claims.getNotBeforeTime()).isNotNull();
        // the same keys behind the tenant-less JWKS and the OpenID metadata
        assertThat(JWKSet.parse(get("/discovery/v2.0/keys").body()).getKeyByKeyId(key.getKeyID())).isNotNull();
        HttpResponse<String> metadata = get("/" + tenant + "/v2.0/.well-known/openid-configuration");
        assertThat(metadata.statusCode()).isEqualTo(200);
        assertThat(metadata.body()).contains("\"issuer\":\"" + claims.getIssuer() + "\"")
                .contains("\"jwks_uri\":\"" + host.baseUri() + "/" + tenant + "/discovery/v2.0/keys\"");
    }

    @Test
    void tokenEndpointAnswersOAuthErrors() throws Exception {
        String tenant = tenant();
        ClientCredentials client = host.newClient(tenant, "app-2");

        HttpResponse<String> badSecret = tokenRequest(tenant, "client_credentials", client.clientId(), "wrong", Audiences.ARM);
        assertThat(badSecret.statusCode()).isEqualTo(401);
        assertThat(badSecret.body()).contains("\"error\":\"invalid_client\"").doesNotContain(client.clientSecret());

        HttpResponse<String> otherTenant = tokenRequest(tenant(), "client_credentials", client.clientId(), client.clientSecret(),
                Audiences.ARM);
        assertThat(otherTenant.statusCode()).isEqualTo(401);

        HttpResponse<String> grant = tokenRequest(tenant, "password", client.clientId(), client.clientSecret(), Audiences.ARM);
        assertThat(grant.statusCode()).isEqualTo(400);
        assertThat(grant.body()).contains("\"error\":\"unsupported_grant_type\"");

        HttpResponse<String> scope = tokenRequest(tenant, "client_credentials", client.clientId(), client.clientSecret(),
                "https://graph.microsoft.com");
        assertThat(scope.statusCode()).isEqualTo(400);
        assertThat(scope.body()).contains("\"error\":\"invalid_scope\"");

        HttpResponse<String> ok = tokenRequest(tenant, "client_credentials", client.clientId(), client.clientSecret(), Audiences.ARM);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("\"token_type\":\"Bearer\"").contains("\"expires_in\":")
                .contains("\"ext_expires_in\":").contains("\"access_token\":\"");
    }

    @Test
    void wrongSecretsAreLimitedPerClientId() throws Exception {
        String tenant = tenant();
        ClientCredentials target = host.newClient(tenant, "guessed");
        ClientCredentials other = host.newClient(tenant, "not guessed");
        SignInThrottle throttle = host.bean(SignInThrottle.class);
        long failed = throttle.failedSignIns();

        for (int i = 0; i < 10; i++) { // keyward.identity.sign-in.failures-per-client
            HttpResponse<String> r = tokenRequest(tenant, "client_credentials", target.clientId(), "guess-" + i, Audiences.ARM);
            assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(401);
        }
        HttpResponse<String> limited = tokenRequest(tenant, "client_credentials", target.clientId(), target.clientSecret(),
                Audiences.ARM);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 60);
        assertThat(limited.body()).contains("\"error\":\"invalid_client\"").contains("\"error_codes\":[50053]")
                .doesNotContain(target.clientSecret());
        assertThat(tokenRequest(tenant, "client_credentials", other.clientId(), other.clientSecret(), Audiences.ARM).statusCode())
                .as("another client id").isEqualTo(200);
        assertThat(throttle.failedSignIns() - failed).isGreaterThanOrEqualTo(10);
    }

    @Test
    void requestsWithoutTokensGetEachApisChallenge() throws Exception {
        HttpResponse<String> arm = register(host.baseUri(), DEFAULT_TENANT, null, "x");
        assertThat(arm.statusCode()).isEqualTo(401);
        assertThat(arm.headers().firstValue("WWW-Authenticate")).hasValue(
                "Bearer authorization_uri=\"" + host.baseUri() + "/" + DEFAULT_TENANT + "\", error=\"invalid_token\"");
        assertThat(arm.body()).contains("\"code\":\"AuthenticationFailed\"");

        HttpResponse<String> vault = listKeys("kwtest1", null);
        assertThat(vault.statusCode()).isEqualTo(401);
        assertThat(vault.headers().firstValue("WWW-Authenticate")).hasValue(
                "Bearer authorization=\"" + host.baseUri() + "/" + DEFAULT_TENANT + "\", resource=\"https://vault.azure.net\"");
        // client registration is a management route: a vault host does not serve it at all
        HttpResponse<String> registerAtVault = register(host.vaultUri("kwtest1"), DEFAULT_TENANT, null, "x");
        assertThat(registerAtVault.statusCode()).isEqualTo(404);
        assertThat(registerAtVault.body()).contains("\"code\":\"NotFound\"");
    }

    @Test
    void forgedExpiredAndMisdirectedTokensAreRefused() throws Exception {
        String tenant = tenant();
        ClientCredentials client = host.newClient(tenant, "app-3");
        String genuine = host.token(client, Audiences.ARM);
        SignedJWT parsed = SignedJWT.parse(genuine);
        String kid = parsed.getHeader().getKeyID();
        JWTClaimsSet claims = parsed.getJWTClaimsSet();
        RSAKey published = (RSAKey) JWKSet.parse(get("/discovery/v2.0/keys").body()).getKeyByKeyId(kid);

        // signed by another key under the genuine kid
        RSAKey attacker = new RSAKeyGenerator(2048).keyID(kid).generate();
        SignedJWT otherKey = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
        otherKey.sign(new RSASSASigner(attacker));
        assertRefused(otherKey.serialize());
        // unsigned
        assertRefused(new PlainJWT(claims).serialize());
        // HS256 keyed with the public key: the classic algorithm confusion
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims);
        hs.sign(new MACSigner(published.toRSAPublicKey().getEncoded()));
        assertRefused(hs.serialize());
        // signature intact, payload swapped (another tenant's oid)
        String[] parts = genuine.split("\\.");
        JWTClaimsSet swapped = new JWTClaimsSet.Builder(claims).claim("oid", UUID.randomUUID().toString()).build();
        assertRefused(parts[0] + "." + Base64URL.encode(swapped.toString()) + "." + parts[2]);

        // genuinely signed by the HSM key, but expired beyond the clock skew / for the wrong issuer
        Instant past = Instant.now().minus(Duration.ofHours(2));
        assertRefused(signWithIssuerKey(kid, new JWTClaimsSet.Builder(claims).issueTime(Date.from(past))
                .notBeforeTime(Date.from(past)).expirationTime(Date.from(past.plus(Duration.ofHours(1)))).build()));
        assertRefused(signWithIssuerKey(kid, new JWTClaimsSet.Builder(claims)
                .issuer("https://login.microsoftonline.com/" + tenant + "/v2.0").build()));
        // the control: the same HSM signing path with untouched claims passes authentication (and is then not an operator)
        assertThat(register(host.baseUri(), tenant, signWithIssuerKey(kid, claims), "x").statusCode()).isEqualTo(403);

        // a Key Vault token at ARM, an ARM token at a vault host
        assertRefused(host.token(client, Audiences.KEY_VAULT));
        HttpResponse<String> armTokenAtVault = listKeys("kwtest2", genuine);
        assertThat(armTokenAtVault.statusCode()).isEqualTo(401);
        assertThat(armTokenAtVault.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("resource=\"https://vault.azure.net\"");
    }

    @Test
    void onlyOperatorsRegisterClients() throws Exception {
        String tenant = tenant();
        ClientCredentials outsider = host.newClient(tenant(), "outsider");
        ClientCredentials insider = host.newClient(tenant, "insider");

        HttpResponse<String> fromOtherTenant = register(host.baseUri(), tenant, host.token(outsider, Audiences.ARM), "evil");
        assertThat(fromOtherTenant.statusCode()).isEqualTo(403);
        assertThat(fromOtherTenant.body()).contains("\"code\":\"AuthorizationFailed\"");
        assertThat(register(host.baseUri(), tenant, host.token(insider, Audiences.ARM), "evil").statusCode()).isEqualTo(403);

        Map<?, ?> operator = operatorFile();
        String operatorToken = host.token(new ClientCredentials((String) operator.get("tenantId"), (String) operator.get("clientId"),
                (String) operator.get("clientSecret"), null), Audiences.ARM);
        HttpResponse<String> created = register(host.baseUri(), tenant, operatorToken, "made by the operator");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Map<?, ?> body = host.bean(JsonMapper.class).readValue(created.body(), Map.class);
        ClientCredentials made = new ClientCredentials(tenant, (String) body.get("clientId"), (String) body.get("clientSecret"), null);
        String madeToken = host.token(made, Audiences.ARM);
        assertThat(SignedJWT.parse(madeToken).getJWTClaimsSet().getStringClaim("oid")).isEqualTo(body.get("objectId"));
        assertThat(host.bean(IdentityService.class).findPrincipal(tenant, (String) body.get("objectId")))
                .hasValueSatisfying(p -> assertThat(p.type()).isEqualTo(PrincipalType.SERVICE_PRINCIPAL));
    }

    @Test
    void operatorFileIsOwnerOnly() throws Exception {
        Path file = operatorPath();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(operatorFile().get("tenantId")).isEqualTo(DEFAULT_TENANT);
    }

    @Test
    void signingKeyStaysInTheHsm() throws Exception {
        ClientCredentials client = host.newClient(tenant(), "app-4");
        String token = host.token(client, Audiences.ARM);
        String kid = SignedJWT.parse(token).getHeader().getKeyID();

        assertThat(host.bean(Hsm.class).protection(new KeyVersionRef("keyward/token-issuer", kid)).isLockedInToken()).isTrue();
        String jwks = get("/discovery/v2.0/keys").body();
        for (String privatePart : new String[] {"\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\""}) {
            assertThat(jwks).doesNotContain(privatePart);
        }
    }

    @Test
    void issueTokenServesOtherCapabilities() throws Exception {
        IdentityService identities = host.bean(IdentityService.class);
        Principal user = identities.createPrincipal(tenant(), PrincipalType.USER, "Ada");
        String token = identities.issueToken(user, Audiences.ARM, Duration.ofMinutes(5));

        assertThat(identities.findPrincipal(user.tenantId(), user.objectId())).contains(user);
        assertThat(register(host.baseUri(), user.tenantId(), token, "x").statusCode()).isEqualTo(403);
    }

    private void assertRefused(String token) throws Exception {
        HttpResponse<String> r = register(host.baseUri(), DEFAULT_TENANT, token, "x");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
    }

    /** Signs with the real issuer key in the HSM, so that only the claims are wrong. */
    private static String signWithIssuerKey(String kid, JWTClaimsSet claims) {
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(kid).build();
        String input = header.toBase64URL() + "." + Base64URL.encode(claims.toString());
        byte[] sig = host.bean(Hsm.class).sign(new KeyVersionRef("keyward/token-issuer", kid), SignAlgorithm.RS256,
                input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + Base64URL.encode(sig);
    }

    private static Map<?, ?> operatorFile() throws Exception {
        return host.bean(JsonMapper.class).readValue(Files.readAllBytes(operatorPath()), Map.class);
    }

    private static Path operatorPath() {
        return Path.of("target/host-home-tests/.keyward/identity/operator.json");
    }

    private static String tenant() {
        return UUID.randomUUID().toString();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return host.http().send(HttpRequest.newBuilder(host.baseUri().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> listKeys(String vault, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(host.vaultUri(vault).resolve("/keys?api-version=7.4")).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> register(URI base, String tenant, String token, String name) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/identity/tenants/" + tenant + "/clients"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"displayName\":\"" + name + "\"}"));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> tokenRequest(String tenant, String grant, String clientId, String secret, String audience)
            throws Exception {
        String form = "grant_type=" + grant + "&client_id=" + clientId + "&client_secret=" + URLEncoder.encode(secret, StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(audience + "/.default", StandardCharsets.UTF_8);
        return host.http().send(HttpRequest.newBuilder(host.baseUri().resolve("/" + tenant + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
