package dev.rewind.analytics;

import dev.rewind.protocol.config.ConfigLoader;
import dev.rewind.protocol.config.ServiceLauncher;

/** Starts the analytics app: {@code java -jar rewind-analytics.jar [--config analytics.yaml]}. */
public final class AnalyticsMain {

    private AnalyticsMain() {}

    public static void main(String[] args) throws InterruptedException {
        ServiceLauncher.run("analytics", () -> load(args), AnalyticsApp::start);
    }

    public static AnalyticsConfig load(String[] args) {
        return ConfigLoader.load(AnalyticsConfig.class, ConfigLoader.configFile(args, System.getenv()),
                ConfigLoader.KAFKA_DEFAULTS, "analytics-defaults.yaml");
    }
}
