package io.keyward.app.arm;

import java.sql.Connection;

/** The transaction a handler's database work joins. */
public interface StepContext {

    /**
     * The transaction's connection. Write on it (or through any repository: they join the same transaction); never
     * commit, roll back or close it: the runner commits it together with the step's advance only while it still holds
     * the operation's lease.
     */
    Connection connection();
}
