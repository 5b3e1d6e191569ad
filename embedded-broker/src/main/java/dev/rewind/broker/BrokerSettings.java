package dev.rewind.broker;

import java.nio.file.Path;

/** Where the embedded broker keeps its data, and its fixed ports. */
public record BrokerSettings(Path dataDir, String host, int port, int controllerPort, int defaultPartitions) {}
