package io.keyward.local;

import io.keyward.app.identity.HeaderAuthentication;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.azure.function.AzureFunction;

/**
 * Starts micronaut-azure's one per-process application context with the host's settings (database URL, HSM)
 * before any function class is instantiated; the function classes then find it running and share it, exactly as
 * in the Azure Java worker.
 */
final class SharedContext extends AzureFunction {

    SharedContext(ApplicationContextBuilder builder) {
        super(builder);
    }

    /** The app's authentication decision from a request's headers, for the server to take before it reads a body. */
    HeaderAuthentication headerAuthentication() {
        return applicationContext.getBean(HeaderAuthentication.class);
    }

    static boolean running() {
        return applicationContext != null && applicationContext.isRunning();
    }
}
