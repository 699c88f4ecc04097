package dev.switchboard.devstack.clickhouse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@code clickhouse-server} from the machine's PATH (Debian puts it in /usr/sbin) run as a child
 * process with a configuration of our own: its data, logs and ports under a folder we choose.
 */
public final class LocalClickHouse implements AutoCloseable {

    public static final String INSTALL_HINT = "ClickHouse is not installed. On Debian/Ubuntu: apt-get install clickhouse-server "
            + "(any release from 18.16 on works; the binary is found on PATH or in /usr/sbin)";
    private static final Logger log = LoggerFactory.getLogger(LocalClickHouse.class);

    private final Path dir;
    private final int httpPort;
    private final int tcpPort;
    private Process process;

    public LocalClickHouse(Path dir, int httpPort, int tcpPort) {
        this.dir = dir.toAbsolutePath();
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
    }

    /** The server command: {@code clickhouse-server}, or the single {@code clickhouse} binary's {@code server} mode. */
    public static Optional<List<String>> command() {
        List<String> places = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)));
        places.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/bin"));
        for (String place : places) {
            if (place.isBlank()) {
                continue;
            }
            Path server = Path.of(place, "clickhouse-server");
            if (Files.isExecutable(server)) {
                return Optional.of(List.of(server.toString()));
            }
        }
        for (String place : places) {
            if (!place.isBlank() && Files.isExecutable(Path.of(place, "clickhouse"))) {
                return Optional.of(List.of(Path.of(place, "clickhouse").toString(), "server"));
            }
        }
        return Optional.empty();
    }

    public String url() {
        return "http://localhost:" + httpPort;
    }

    public synchronized LocalClickHouse start() {
        List<String> command = command().orElseThrow(() -> new IllegalStateException(INSTALL_HINT));
        try {
            for (String sub : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
                Files.createDirectories(dir.resolve(sub));
            }
            Files.writeString(dir.resolve("config.xml"), config());
            Files.writeString(dir.resolve("users.xml"), USERS);
            List<String> full = new ArrayList<>(command);
            full.add("--config-file=" + dir.resolve("config.xml"));
            process = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log/stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start ClickHouse: " + e.getMessage(), e);
        }
        awaitPing(Duration.ofSeconds(60));
        log.info("ClickHouse listening on {} (data in {})", url(), dir);
        return this;
    }

    private void awaitPing(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ClickHouse exited with " + process.exitValue() + " at start; see " + dir.resolve("log"));
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url() + "/ping"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for ClickHouse", e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for ClickHouse", e);
            }
        }
        close();
        throw new IllegalStateException("ClickHouse did not answer on " + url() + " within " + timeout.toSeconds() + " s");
    }

    private String config() {
        return """
                <?xml version="1.0"?>
                <yandex>
                  <logger><level>warning</level><log>%1$s/log/server.log</log><errorlog>%1$s/log/error.log</errorlog><size>10M</size><count>2</count></logger>
                  <http_port>%2$d</http_port>
                  <tcp_port>%3$d</tcp_port>
                  <listen_host>127.0.0.1</listen_host>
                  <path>%1$s/data/</path>
                  <tmp_path>%1$s/tmp/</tmp_path>
                  <user_files_path>%1$s/user_files/</user_files_path>
                  <format_schema_path>%1$s/format_schemas/</format_schema_path>
                  <users_config>users.xml</users_config>
                  <default_profile>default</default_profile>
                  <default_database>default</default_database>
                  <mark_cache_size>268435456</mark_cache_size>
                  <max_concurrent_queries>50</max_concurrent_queries>
                </yandex>
                """.formatted(dir, httpPort, tcpPort);
    }

    private static final String USERS = """
            <?xml version="1.0"?>
            <yandex>
              <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
              <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
              <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """;

    /** Stops the server; its data stays in the folder for the next start. */
    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }
}
