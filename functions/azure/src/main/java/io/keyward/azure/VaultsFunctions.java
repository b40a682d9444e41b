package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.keyward.app.vault.VaultPurgeJob;
import java.util.Optional;

/**
 * ARM {@code Microsoft.KeyVault/vaults}, one function per operationId of the REST spec (keyvault resource-manager,
 * 2023-07-01), each routing into the app's {@code vault.VaultsController}. Anonymous at the Functions level: callers
 * authenticate with bearer tokens, checked by the app's identity filter.
 */
public class VaultsFunctions extends KeywardHttpFunction {

    private static final String PROVIDER = "subscriptions/{subscriptionId}/providers/Microsoft.KeyVault";
    private static final String GROUP_VAULTS = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults";
    private static final String VAULT = GROUP_VAULTS + "/{vaultName}";
    private static final String DELETED = PROVIDER + "/locations/{location}/deletedVaults/{vaultName}";

    @FunctionName("Vaults_CreateOrUpdate")
    public HttpResponseMessage createOrUpdate(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = VAULT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = VAULT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_Update")
    public HttpResponseMessage update(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = VAULT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_Delete")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = VAULT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_ListByResourceGroup")
    public HttpResponseMessage listByResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP_VAULTS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}/resources",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_ListBySubscription")
    public HttpResponseMessage listBySubscription(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = PROVIDER + "/vaults",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_UpdateAccessPolicy")
    public HttpResponseMessage updateAccessPolicy(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = VAULT + "/accessPolicies/{operationKind}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_ListDeleted")
    public HttpResponseMessage listDeleted(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = PROVIDER + "/deletedVaults",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_GetDeleted")
    public HttpResponseMessage getDeleted(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = DELETED,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_PurgeDeleted")
    public HttpResponseMessage purgeDeleted(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = DELETED + "/purge",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Vaults_CheckNameAvailability")
    public HttpResponseMessage checkNameAvailability(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = PROVIDER + "/checkNameAvailability",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /**
     * Purges soft-deleted vaults past their scheduled purge date. Hourly: purge dates are whole days after the
     * deletion, so an hour late is well inside what Azure promises.
     */
    @FunctionName("Vaults_PurgeExpired")
    public void purgeExpired(@TimerTrigger(name = "timer", schedule = "0 17 * * * *") String timerInfo, ExecutionContext context) {
        getApplicationContext().getBean(VaultPurgeJob.class).run();
    }
}
