package dev.rewind.kafkatest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log line written while it is open, Rewind's own at DEBUG, for tests that check what is logged
 * (that no secret ever is). Test support beside the broker, since every service's tests need it.
 */
public final class CapturedLogs extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Level previous;

    private CapturedLogs() {
        super("captured-logs", null, null, true, Property.EMPTY_ARRAY);
        previous = LogManager.getLogger("dev.rewind").getLevel();
    }

    public static CapturedLogs capture() {
        CapturedLogs logs = new CapturedLogs();
        logs.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(logs, Level.ALL, null);
        Configurator.setLevel("dev.rewind", Level.DEBUG);
        context.updateLoggers();
        return logs;
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getMessage().getFormattedMessage());
        for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
            line.append(" | ").append(t);
        }
        lines.add(line.toString());
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        Configurator.setLevel("dev.rewind", previous);
        context.updateLoggers();
        stop();
    }
}
