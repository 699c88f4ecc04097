package dev.switchboard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.switchboard.platform.config.SwitchboardConfig;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The container image jib:buildTar made in the package phase ({@code target/switchboard-image.tar}),
 * without a container engine: its configuration is what the compose file and the Kubernetes
 * manifests rely on, and its layers, unpacked in order into a folder, are a file system on which
 * the entrypoint runs as the image's unprivileged user (chroot, with /proc mounted, a /dev/null and
 * the host's /etc/hosts, as an engine would give them): it prints its version, answers a request
 * through a stack running beside it, the health check of docker-compose.yml passes against that
 * stack, and
 * the development stand-ins docker-compose.yml runs from it (the dev issuer, the simulated
 * providers) get ready and answer on an address other than loopback.
 * chroot, mknod and mount need root: as another user JUnit reports the test skipped after the
 * configuration checks.
 */
class ContainerImageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Path TAR = Paths.get("target", "switchboard-image.tar");

    @TempDir
    Path dir;

    @Test
    void theImageRunsAsAnUnprivilegedUserFromItsOwnRuntimeAndAnswersARequest() throws Exception {
        assertThat(TAR).as("built by jib:buildTar in the package phase").isRegularFile();
        Path image = dir.resolve("image");
        Files.createDirectories(image);
        run(List.of("tar", "-xf", TAR.toAbsolutePath().toString(), "-C", image.toString()), 60);
        JsonNode manifest = JSON.readTree(image.resolve("manifest.json").toFile()).get(0);
        assertThat(manifest.get("RepoTags").get(0).asText()).startsWith("switchboard:");
        JsonNode config = JSON.readTree(image.resolve(manifest.get("Config").asText()).toFile()).get("config");
        assertThat(config.get("User").asText()).isEqualTo("65532:65532");
        assertThat(config.get("WorkingDir").asText()).isEqualTo("/var/lib/switchboard");
        assertThat(config.get("ExposedPorts").has("8080/tcp")).isTrue();
        List<String> entrypoint = new ArrayList<>();
        config.get("Entrypoint").forEach(a -> entrypoint.add(a.asText()));
        assertThat(entrypoint).startsWith("/opt/java/bin/java").endsWith("dev.switchboard.cli.SwitchboardCli");

        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "unpacking the image and running it with chroot needs root; the image's configuration was checked");
        Path root = dir.resolve("root");
        Files.createDirectories(root);
        for (JsonNode layer : manifest.get("Layers")) {
            run(List.of("tar", "--warning=no-unknown-keyword", "-xzf", image.resolve(layer.asText()).toString(), "-C", root.toString()), 120);
        }
        assertThat(root.resolve("opt/java/bin/java")).isExecutable();
        assertThat(root.resolve("bin/busybox")).isExecutable();
        // What a container engine provides: /proc, /dev, and /etc/hosts naming localhost.
        Files.copy(Paths.get("/etc/hosts"), root.resolve("etc/hosts"));
        Files.createDirectories(root.resolve("dev"));
        run(List.of("mknod", "-m", "666", root.resolve("dev/null").toString(), "c", "1", "3"), 30);
        run(List.of("mount", "-t", "proc", "proc", root.resolve("proc").toString()), 30);
        try (CliStack stack = new CliStack(dir.resolve("stack"))) {
            assertThat(inImage(root, entrypoint, List.of("--version")).out()).contains("switchboard");

            List<String> send = new ArrayList<>(List.of("send", "What is 2+2?", "-p", "sim-fast"));
            stack.settings.forEach((k, v) -> {
                if (!k.startsWith("dev.") && !k.startsWith("simulator.")) {
                    send.add("--set");
                    send.add(k + "=" + v);
                }
            });
            Result answered = inImage(root, entrypoint, send);
            assertThat(answered.exitCode()).as(answered.out()).isEqualTo(0);
            assertThat(answered.out()).contains("2 + 2 = 4.");

            Result health = inImage(root, List.of("/bin/busybox", "wget", "-q", "-O", "-",
                    "http://localhost:" + stack.stack.healthPort() + "/health/live"), List.of());
            assertThat(health.exitCode()).as(health.out()).isEqualTo(0);
            assertThat(health.out()).contains("UP");
            assertThat(inImage(root, healthCheck(stack.stack.healthPort()), List.of()).exitCode()).isEqualTo(0);

            // The development stand-ins docker-compose.yml runs from the image: ready on their health port, and
            // listening beyond loopback, where other containers reach them.
            String address = nonLoopbackAddress();
            int[] ports = distinctFreePorts(4);
            int idpPort = ports[0];
            int simulatorPort = ports[1];
            List<String> settings = new ArrayList<>();
            stack.settings.forEach((k, v) -> {
                if (k.equals(SwitchboardConfig.BOOTSTRAP_SERVERS) || k.equals(SwitchboardConfig.SCHEMA_REGISTRY_URL)
                        || k.startsWith("security.")) {
                    settings.addAll(List.of("--set", k + "=" + v));
                }
            });
            assertThat(served(root, entrypoint, ports[2], List.of("run", "idp", "--set", "dev.idp.port=" + idpPort),
                    "http://" + address + ":" + idpPort + "/switchboard/.well-known/openid-configuration")).contains("\"jwks_uri\"");
            assertThat(root.resolve("var/lib/switchboard/.switchboard/idp/signing-key.json")).isRegularFile();
            List<String> simulator = new ArrayList<>(List.of("run", "simulator", "--set", "dev.simulator.port=" + simulatorPort));
            simulator.addAll(settings);
            assertThat(served(root, entrypoint, ports[3], simulator, "http://" + address + ":" + simulatorPort + "/admin/providers"))
                    .contains("sim-fast", "sim-strong", "sim-flaky");
        } finally {
            run(List.of("umount", root.resolve("proc").toString()), 30);
        }
    }

    record Result(int exitCode, String out) {
    }

    /**
     * Runs {@code args} in the image until its health port {@code health} answers ready, then GETs {@code url} from
     * outside it; stops it and returns the body.
     */
    private static String served(Path root, List<String> entrypoint, int health, List<String> args, String url) throws Exception {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--set", "health.port=" + health));
        Process p = new ProcessBuilder(command(root, entrypoint, all)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            await().atMost(java.time.Duration.ofSeconds(90)).until(() -> {
                assertThat(p.isAlive()).as(String.join(" ", args) + " is running").isTrue();
                return inImage(root, healthCheck(health), List.of()).exitCode() == 0;
            });
            java.net.http.HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(url).isEqualTo(200);
            return response.body();
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** The health check docker-compose.yml gives Switchboard's services, on {@code port}. */
    private static List<String> healthCheck(int port) throws IOException {
        Map<String, Object> planner = DeployManifestsTest.map(DeployManifestsTest.map(DeployManifestsTest.yaml(
                Paths.get("..", "docker-compose.yml")).getFirst().get("services")).get("planner"));
        List<String> test = new ArrayList<>();
        ((List<?>) DeployManifestsTest.map(planner.get("healthcheck")).get("test")).forEach(a -> test.add(a.toString()));
        assertThat(test.getFirst()).isEqualTo("CMD");
        return test.subList(1, test.size()).stream().map(a -> a.replace("localhost:8080", "localhost:" + port)).toList();
    }

    /** {@code n} ports free at once: each taken until all are found, so no two are the same. */
    private static int[] distinctFreePorts(int n) throws IOException {
        List<java.net.ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new java.net.ServerSocket(0));
            }
            return sockets.stream().mapToInt(java.net.ServerSocket::getLocalPort).toArray();
        } finally {
            for (java.net.ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    /** An address of this machine that is not loopback: where a container's neighbours reach it. */
    private static String nonLoopbackAddress() throws IOException {
        for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress()) {
                    return a.getHostAddress();
                }
            }
        }
        throw new org.opentest4j.TestAbortedException("no network address but loopback here");
    }

    /** {@code command args} in the unpacked image as its user, with only the image's environment. */
    private static Result inImage(Path root, List<String> command, List<String> args) throws Exception {
        return run(command(root, command, args), 120);
    }

    private static List<String> command(Path root, List<String> command, List<String> args) {
        List<String> all = new ArrayList<>(List.of("chroot", "--userspec=65532:65532", root.toString(),
                "/bin/busybox", "env", "-i", "PATH=/opt/java/bin:/bin", "JAVA_HOME=/opt/java", "HOME=/var/lib/switchboard",
                "/bin/busybox", "sh", "-c", "cd /var/lib/switchboard && exec \"$@\"", "image"));
        all.addAll(command);
        all.addAll(args);
        return all;
    }

    private static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        if (!command.getFirst().equals("chroot")) {
            assertThat(p.exitValue()).as(String.join(" ", command) + ": " + text).isEqualTo(0);
        }
        return new Result(p.exitValue(), text);
    }
}
