package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/**
 * Key Vault's keys data plane, one function per operationId of the keys REST spec. Routes carry no vault: the
 * vault is the one named by the Host header ({@code {vault}.vault.<suffix>}), as on Azure. Anonymous at the
 * Functions level because the app authenticates every call with the caller's bearer token.
 */
public class KeysFunctions extends KeywardHttpFunction {

    /** Creates a key, or a new version of it, in the HSM. */
    @FunctionName("CreateKey")
    public HttpResponseMessage createKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/{name}/create",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("GetKeys")
    public HttpResponseMessage getKeys(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "keys",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("GetKeyVersions")
    public HttpResponseMessage getKeyVersions(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "keys/{name}/versions",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** Without a version, the latest one (the SDK sends a trailing slash). */
    @FunctionName("GetKey")
    public HttpResponseMessage getKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "keys/{name}/{version?}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("UpdateKey")
    public HttpResponseMessage updateKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = "keys/{name}/{version?}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("DeleteKey")
    public HttpResponseMessage deleteKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = "keys/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("GetDeletedKeys")
    public HttpResponseMessage getDeletedKeys(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "deletedkeys",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("GetDeletedKey")
    public HttpResponseMessage getDeletedKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "deletedkeys/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RecoverDeletedKey")
    public HttpResponseMessage recoverDeletedKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "deletedkeys/{name}/recover",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("PurgeDeletedKey")
    public HttpResponseMessage purgeDeletedKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = "deletedkeys/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("WrapKey")
    public HttpResponseMessage wrapKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/{name}/{version}/wrapkey",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("UnwrapKey")
    public HttpResponseMessage unwrapKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/{name}/{version}/unwrapkey",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Encrypt")
    public HttpResponseMessage encrypt(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/{name}/{version}/encrypt",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Decrypt")
    public HttpResponseMessage decrypt(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/{name}/{version}/decrypt",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** Imports a customer's RSA key (JWK with private parts) into the HSM as a new key or version. */
    @FunctionName("ImportKey")
    public HttpResponseMessage importKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = "keys/{name}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** Every version of a key, wrapped inside the HSM by its trusted backup key (docs/key-backup.md). */
    @FunctionName("BackupKey")
    public HttpResponseMessage backupKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/{name}/backup",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RestoreKey")
    public HttpResponseMessage restoreKey(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/restore",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
