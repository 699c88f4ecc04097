package dev.switchboard.cli;

import dev.switchboard.platform.config.SwitchboardConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Where {@code dev} keeps its data: {@code --data-dir}, else the setting {@code dev.data.dir}, else {@code .switchboard}. */
class DevCommandTest {

    private static SwitchboardConfig parsed(String... args) {
        CommandLine.ParseResult parsed = SwitchboardCli.commandLine().parseArgs(args);
        DevCommand dev = (DevCommand) parsed.subcommand().commandSpec().userObject();
        return dev.config.load(dev.overrides());
    }

    @Test
    void theDataDirComesFromTheOptionElseFromTheSettingElseTheDefault() {
        assertThat(parsed("dev").dataDir()).isEqualTo(Path.of(".switchboard"));
        assertThat(parsed("dev", "--set", "dev.data.dir=/tmp/from-set").dataDir()).isEqualTo(Path.of("/tmp/from-set"));
        assertThat(parsed("dev", "--data-dir", "/tmp/from-option").dataDir()).isEqualTo(Path.of("/tmp/from-option"));
        assertThat(parsed("dev", "--data-dir", "/tmp/from-option", "--set", "dev.data.dir=/tmp/from-set").dataDir())
                .isEqualTo(Path.of("/tmp/from-option"));
    }
}
