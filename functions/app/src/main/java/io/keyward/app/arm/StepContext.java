package io.keyward.app.arm;

import java.sql.Connection;

/** What a step gets besides its operation. */
public interface StepContext {

    /**
     * The step's transaction (auto-commit off). Write on it; never commit, roll back or close it: the runner commits
     * it together with the step's advance only while it still holds the operation's lease.
     */
    Connection connection();
}
