package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.keyward.app.health.HeartbeatJob;
import io.keyward.app.keyhealth.KeyHealthJob;
import io.micronaut.azure.function.AzureFunction;

/**
 * Timer-triggered maintenance. Schedules are app settings ({@code %NAME%}) so that each deployment can tune
 * them without a rebuild. Micronaut's AzureFunction shares one application context with the HTTP functions.
 */
public class TimerFunctions extends AzureFunction {

    @FunctionName("Host_Heartbeat")
    public void heartbeat(@TimerTrigger(name = "timer", schedule = "%KEYWARD_HEARTBEAT_SCHEDULE%") String timerInfo,
                          ExecutionContext context) {
        getApplicationContext().getBean(HeartbeatJob.class).run();
    }

    /** Looks for clusters whose key is due a check; {@code keyward.keyhealth.period} decides when each one is due. */
    @FunctionName("KeyHealth_Poll")
    public void keyHealth(@TimerTrigger(name = "timer", schedule = "%KEYWARD_KEYHEALTH_SCHEDULE%") String timerInfo,
                          ExecutionContext context) {
        getApplicationContext().getBean(KeyHealthJob.class).runDue();
    }
}
