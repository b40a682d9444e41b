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
 * Every path and method no other function takes: the Functions host would answer those itself, 404 with no body (for a
 * wrong method too). Routed into the app instead, they get their surface's answer: ARM's {@code NoRegisteredProviderFound}
 * or {@code InvalidResourceType}, 405 for a method a path does not allow, Key Vault's envelope on a vault's host. The
 * catch-all route has the lowest precedence, so it never shadows a function's route.
 */
public class UnmatchedFunctions extends KeywardHttpFunction {

    @FunctionName("Routes_Unmatched")
    public HttpResponseMessage unmatched(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
                    HttpMethod.DELETE, HttpMethod.OPTIONS}, route = "{*path}", authLevel = AuthorizationLevel.ANONYMOUS)
            HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
