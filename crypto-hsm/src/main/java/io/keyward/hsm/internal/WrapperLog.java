package io.keyward.hsm.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes ipkcs11wrapper's own logging (which otherwise prints to stdout) into SLF4J. Its INFO lines are per-call
 * chatter (every C_OpenSession), so they go to DEBUG; its arguments are handles, flags and user types, never PINs
 * (checked in 1.0.9's Session.login, which logs only the user type).
 */
final class WrapperLog implements org.xipki.pkcs11.wrapper.Logger {
    private static final Logger LOG = LoggerFactory.getLogger("org.xipki.pkcs11.wrapper");

    @Override public void info(String format, Object... args) { LOG.debug(format, args); }
    @Override public void warn(String format, Object... args) { LOG.warn(format, args); }
    @Override public void error(String format, Object... args) { LOG.error(format, args); }
    @Override public void debug(String format, Object... args) { LOG.trace(format, args); }
    @Override public void trace(String format, Object... args) { LOG.trace(format, args); }
    @Override public boolean isDebugEnabled() { return LOG.isTraceEnabled(); }
    @Override public boolean isInfoEnabled() { return LOG.isDebugEnabled(); }
    @Override public boolean isWarnEnabled() { return LOG.isWarnEnabled(); }
    @Override public boolean isTraceEnabled() { return LOG.isTraceEnabled(); }
}
