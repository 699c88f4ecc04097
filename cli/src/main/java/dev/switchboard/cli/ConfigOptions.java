package dev.switchboard.cli;

import dev.switchboard.platform.config.ConfigLoader;
import dev.switchboard.platform.config.SwitchboardConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** {@code --config FILE} and {@code --set key=value}, shared by every command. */
final class ConfigOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Properties file with settings (defaults: the embedded stack on localhost). "
                    + "SWITCHBOARD_* environment variables override it.")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting, e.g. --set topics.partitions=6.")
    Map<String, String> overrides = new HashMap<>();

    SwitchboardConfig load(Map<String, String> more) {
        Map<String, String> all = new HashMap<>(overrides);
        all.putAll(more);
        try {
            return ConfigLoader.load(file, all);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new CliException("invalid configuration: " + e.getMessage(), 2);
        }
    }
}
