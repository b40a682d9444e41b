package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.keyward.app.retention.RetentionJob;
import io.micronaut.azure.function.AzureFunction;

/**
 * Retention: purges data past its workspace's retention and crypto-shreds soft-deleted resources past their purge date
 * (docs/retention.md). The schedule is an app setting: hourly is plenty, since purge dates are days apart.
 */
public class RetentionFunctions extends AzureFunction {

    @FunctionName("Retention_Purge")
    public void purge(@TimerTrigger(name = "timer", schedule = "%KEYWARD_RETENTION_SCHEDULE%") String timerInfo,
                      ExecutionContext context) {
        getApplicationContext().getBean(RetentionJob.class).run();
    }
}
