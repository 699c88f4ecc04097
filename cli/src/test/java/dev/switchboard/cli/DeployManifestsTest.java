package dev.switchboard.cli;

import dev.switchboard.planner.PlannerService;
import dev.switchboard.platform.config.ConfigLoader;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.router.RouterService;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml and the Kubernetes manifests in deploy/k8s, read as Docker Compose and
 * kustomize would: they parse; they use the image the build makes ({@code switchboard:VERSION}) or
 * images pinned to a version; every Switchboard service runs a command that exists with a
 * configuration that loads, and is health-checked on the health port that configuration names; the
 * ports are those the README's table documents; autoscaling targets Deployments that exist, on the
 * groups, topics and providers they run.
 */
class DeployManifestsTest {

    private static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();
    private static final String IMAGE = System.getProperty("switchboard.image", "switchboard:0.1.0-SNAPSHOT");
    private static final Set<String> COMMANDS = Arrays.stream(RunCommand.Kind.values()).map(Enum::name).collect(Collectors.toSet());

    @Test
    void theComposeFileRunsTheBuiltImageWithHealthChecksAndThePortsTheReadmeDocuments() throws IOException {
        Map<String, Object> compose = yaml(ROOT.resolve("docker-compose.yml")).getFirst();
        Map<String, Map<String, Object>> services = map(compose.get("services"));
        assertThat(services).containsKeys("kafka", "schema-registry", "clickhouse", "idp", "simulator", "planner", "router",
                "workers", "analytics", "prometheus", "grafana");
        Map<String, String> published = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> e : services.entrySet()) {
            String name = e.getKey();
            Map<String, Object> service = e.getValue();
            String image = (String) service.get("image");
            assertPinnedOrBuilt(name, image);
            assertThat(service).as(name + " has a health check").containsKey("healthcheck");
            for (Object port : list(service.get("ports"))) {
                published.put(name, port.toString());
            }
            for (Object volume : list(service.get("volumes"))) {
                String source = volume.toString().split(":")[0];
                if (source.startsWith("./")) {
                    assertThat(ROOT.resolve(source)).as(name + " mounts " + source).exists();
                }
            }
            Object dependsOn = service.get("depends_on");
            if (dependsOn != null) {
                map(dependsOn).forEach((other, condition) -> {
                    assertThat(services).as(name + " depends on " + other).containsKey(other);
                    assertThat(map(condition).get("condition")).isEqualTo("service_healthy");
                    assertThat(services.get(other)).as(other + ", which " + name + " waits for, has a health check").containsKey("healthcheck");
                });
            }
            if (!image.equals(IMAGE)) {
                continue;
            }
            List<String> command = strings(service.get("command"));
            assertThat(command.subList(0, 2)).as(name).containsExactly("run", command.get(1));
            assertThat(COMMANDS).as(name + " runs a service that exists").contains(command.get(1));
            String configFile = command.get(command.indexOf("--config") + 1);
            String mounted = strings(service.get("volumes")).stream().filter(v -> v.split(":")[1].equals(configFile))
                    .map(v -> v.split(":")[0]).findFirst().orElseThrow(() -> new AssertionError(name + " does not mount " + configFile));
            SwitchboardConfig config = load(ROOT.resolve(mounted));
            assertThat(strings(map(service.get("healthcheck")).get("test"))).as(name).containsExactly("CMD", "/bin/busybox", "wget", "-q",
                    "-O", "/dev/null", "http://localhost:" + config.healthPort() + "/health/ready");
        }

        // The services' configuration points at the compose services and the ports they listen on.
        SwitchboardConfig config = load(ROOT.resolve("deploy/compose/switchboard.properties"));
        assertThat(config.bootstrapServers()).isEqualTo("kafka:19092");
        assertThat(Arrays.asList(map(services.get("kafka").get("environment")).get("KAFKA_ADVERTISED_LISTENERS").toString().split(",")))
                .contains("INTERNAL://kafka:19092", "EXTERNAL://localhost:9092");
        assertThat(URI.create(config.analytics().clickhouseUrl()).getHost()).isIn(services.keySet());
        for (String provider : config.workerProviders()) {
            URI base = URI.create(config.provider(provider).baseUrl());
            assertThat(base.getHost()).isEqualTo("simulator");
            assertThat(base.getPort()).isEqualTo(config.simulatorPort());
        }
        assertThat(published.get("simulator")).isEqualTo(config.simulatorPort() + ":" + config.simulatorPort());
        assertThat(published.get("idp")).isEqualTo(config.security().devIdpPort() + ":" + config.security().devIdpPort());
        assertThat(config.security().issuer()).isEqualTo("http://localhost:" + config.security().devIdpPort() + "/switchboard");
        assertThat(URI.create(config.security().jwksUrl()).getHost()).isEqualTo("idp");
        assertThat(published.get("router")).isEqualTo(config.healthPort() + ":" + config.healthPort());

        // Each published port is in the README's table, and nothing else is.
        assertThat(readmeComposePorts()).isEqualTo(published);
    }

    @Test
    void theKubernetesManifestsProbeResourceAndScaleEveryService() throws IOException {
        Map<String, Map<String, Object>> deployments = new LinkedHashMap<>();
        List<Map<String, Object>> all = new ArrayList<>();
        for (Path kustomization : List.of(Path.of("deploy/k8s/base"), Path.of("deploy/k8s/overlays/dev"),
                Path.of("deploy/k8s/overlays/cluster"), Path.of("deploy/k8s/components/keda"), Path.of("deploy/k8s/components/hpa"))) {
            all.addAll(kustomize(ROOT.resolve(kustomization)));
        }
        for (Map<String, Object> doc : all) {
            if ("Deployment".equals(doc.get("kind"))) {
                deployments.put(name(doc), doc);
            }
            forEachImage(doc, image -> assertPinnedOrBuilt(name(doc), image));
        }
        assertThat(deployments).containsKeys("planner", "router", "workers-sim-fast", "workers-sim-strong", "workers-sim-flaky",
                "analytics", "kafka", "schema-registry", "clickhouse", "idp", "simulator");

        SwitchboardConfig base = load(ROOT.resolve("deploy/k8s/base/switchboard.properties"));
        SwitchboardConfig dev = load(ROOT.resolve("deploy/k8s/overlays/dev/switchboard.properties"));
        assertThat(dev.healthPort()).isEqualTo(base.healthPort());
        Map<String, String> workerProviders = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> e : deployments.entrySet()) {
            Map<String, Object> pod = map(map(map(e.getValue().get("spec")).get("template")).get("spec"));
            Map<String, Object> container = map(list(pod.get("containers")).getFirst());
            Map<String, Object> readiness = map(container.get("readinessProbe"));
            assertThat(readiness).as(e.getKey() + " has a readiness probe").isNotNull();
            assertThat(map(map(container.get("resources")).get("requests"))).as(e.getKey()).containsKeys("cpu", "memory");
            assertThat(map(map(container.get("resources")).get("limits"))).as(e.getKey()).containsKey("memory");
            if (!IMAGE.equals(container.get("image"))) {
                continue;
            }
            List<String> args = strings(container.get("args"));
            assertThat(args.getFirst()).isEqualTo("run");
            assertThat(COMMANDS).as(e.getKey()).contains(args.get(1));
            assertThat(args).contains("--config", "/etc/switchboard/switchboard.properties");
            assertThat(map(readiness.get("httpGet")).get("path")).isEqualTo("/health/ready");
            Object port = map(readiness.get("httpGet")).get("port");
            assertThat(port.equals(base.healthPort()) || "http".equals(port) && containerPort(container, "http") == base.healthPort())
                    .as(e.getKey() + " is probed on health.port").isTrue();
            if (args.get(1).equals("workers")) {
                workerProviders.put(e.getKey(), args.get(args.indexOf("--provider") + 1));
            }
            if (!Set.of("idp", "simulator").contains(args.get(1))) {
                assertThat(map(container.get("livenessProbe")).get("httpGet")).as(e.getKey()).isNotNull();
                assertThat(map(map(container.get("livenessProbe")).get("httpGet")).get("path")).isEqualTo("/health/live");
                assertThat(pod.get("securityContext")).as(e.getKey()).isNotNull();
                assertThat(map(pod.get("securityContext")).get("runAsNonRoot")).isEqualTo(true);
                Map<String, String> labels = strings(map(map(map(e.getValue().get("spec")).get("selector")).get("matchLabels")));
                assertThat(all).as(e.getKey() + " has a PodDisruptionBudget").anyMatch(d -> "PodDisruptionBudget".equals(d.get("kind"))
                        && labels.equals(strings(map(map(map(d.get("spec")).get("selector")).get("matchLabels")))));
            }
        }
        assertThat(workerProviders.values()).containsExactlyInAnyOrderElementsOf(base.workerProviders());

        Map<String, Map<String, Object>> scaled = new TreeMap<>();
        for (Map<String, Object> doc : all) {
            if ("ScaledObject".equals(doc.get("kind")) || "HorizontalPodAutoscaler".equals(doc.get("kind"))) {
                String target = (String) map(map(doc.get("spec")).get("scaleTargetRef")).get("name");
                assertThat(deployments).as(doc.get("kind") + " " + name(doc) + " scales a Deployment").containsKey(target);
                if ("ScaledObject".equals(doc.get("kind"))) {
                    scaled.put(target, doc);
                }
            }
        }
        assertThat(scaled.keySet()).containsExactlyInAnyOrder("planner", "router", "workers-sim-fast", "workers-sim-strong", "workers-sim-flaky");
        assertThat(kafkaTrigger(scaled.get("planner"))).containsEntry("consumerGroup", PlannerService.GROUP_ID)
                .containsEntry("topic", Topics.REQUESTS.name());
        assertThat(kafkaTrigger(scaled.get("router"))).containsEntry("consumerGroup", RouterService.GROUP_ID)
                .containsEntry("topic", Topics.PLANS.name());
        workerProviders.forEach((deployment, provider) -> {
            Map<String, Object> trigger = map(list(map(scaled.get(deployment).get("spec")).get("triggers")).getFirst());
            assertThat(trigger.get("type")).isEqualTo("prometheus");
            assertThat(map(trigger.get("metadata")).get("query").toString())
                    .isEqualTo("max(switchboard_task_backlog{provider=\"" + provider + "\"})");
        });
        for (Map<String, Object> so : scaled.values()) {
            assertThat(map(so.get("spec")).get("maxReplicaCount")).as(name(so) + ": a replica beyond the partitions idles")
                    .isEqualTo(base.topicPartitions());
        }
    }

    @Test
    void kustomizeBuildsEveryOverlay() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed here: kustomize builds not run");
        Map<String, Map<String, Integer>> expected = Map.of(
                "deploy/k8s/base", Map.of("Deployment", 6, "PodDisruptionBudget", 6, "Service", 1, "ConfigMap", 1, "Secret", 2),
                "deploy/k8s/overlays/dev", Map.of("Deployment", 11, "PodDisruptionBudget", 6, "Service", 6, "Namespace", 1),
                "deploy/k8s/overlays/cluster", Map.of("Deployment", 6, "ScaledObject", 5, "Namespace", 1));
        for (Map.Entry<String, Map<String, Integer>> e : expected.entrySet()) {
            Process p = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve(e.getKey()).toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(e.getKey() + ": " + out).isEqualTo(0);
            Map<String, Integer> kinds = new TreeMap<>();
            new Yaml(new LoaderOptions()).loadAll(out).forEach(d -> kinds.merge((String) map(d).get("kind"), 1, Integer::sum));
            e.getValue().forEach((kind, count) -> assertThat(kinds).as(e.getKey()).containsEntry(kind, count));
        }
    }

    private static boolean onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    private static void assertPinnedOrBuilt(String where, String image) {
        assertThat(image).as(where).isNotNull();
        if (image.startsWith("switchboard:")) {
            assertThat(image).as(where + " runs the image the build makes").isEqualTo(IMAGE);
            return;
        }
        int colon = image.lastIndexOf(':');
        assertThat(colon).as(where + ": " + image + " is pinned to a version").isPositive();
        assertThat(image.substring(colon + 1)).as(where + ": " + image).isNotEqualTo("latest").matches("v?\\d+(\\.\\d+)*");
    }

    private static Map<String, Object> kafkaTrigger(Map<String, Object> scaledObject) {
        Map<String, Object> trigger = map(list(map(scaledObject.get("spec")).get("triggers")).getFirst());
        assertThat(trigger.get("type")).isEqualTo("kafka");
        return map(trigger.get("metadata"));
    }

    private static int containerPort(Map<String, Object> container, String name) {
        return list(container.get("ports")).stream().map(DeployManifestsTest::map).filter(p -> name.equals(p.get("name")))
                .map(p -> (Integer) p.get("containerPort")).findFirst().orElse(-1);
    }

    /** The documents of a kustomization's resources (not those of the bases it names), each file checked to exist. */
    private static List<Map<String, Object>> kustomize(Path dir) throws IOException {
        Map<String, Object> k = yaml(dir.resolve("kustomization.yaml")).getFirst();
        List<Map<String, Object>> out = new ArrayList<>();
        for (String resource : strings(k.get("resources"))) {
            Path path = dir.resolve(resource).normalize();
            assertThat(path).as(dir + " names " + resource).exists();
            if (Files.isRegularFile(path)) {
                out.addAll(yaml(path));
            }
        }
        for (Object generator : list(k.get("configMapGenerator"))) {
            for (String file : strings(map(generator).get("files"))) {
                assertThat(dir.resolve(file)).as(dir + " names " + file).isRegularFile();
            }
        }
        for (String component : strings(k.get("components"))) {
            assertThat(dir.resolve(component)).exists();
        }
        return out;
    }

    /** The README's table of compose services and the ports they publish. */
    private static Map<String, String> readmeComposePorts() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int at = readme.indexOf("### Docker Compose");
        assertThat(at).as("README has a Docker Compose section").isPositive();
        String section = readme.substring(at, readme.indexOf("\n## ", at) < 0 ? readme.length() : readme.indexOf("\n## ", at));
        Map<String, String> out = new TreeMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z-]+)` \\| [^|]+ \\| ([^|]+) \\|").matcher(section);
        while (row.find()) {
            String ports = row.group(2).strip();
            if (!ports.equals("—")) {
                out.put(row.group(1), ports.replace("`", ""));
            }
        }
        return out;
    }

    private static SwitchboardConfig load(Path properties) {
        assertThat(properties).isRegularFile();
        return ConfigLoader.load(properties, Map.of());
    }

    private static void forEachImage(Object node, java.util.function.Consumer<String> image) {
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if ("image".equals(k) && v instanceof String s) {
                    image.accept(s);
                } else {
                    forEachImage(v, image);
                }
            });
        } else if (node instanceof List<?> l) {
            l.forEach(v -> forEachImage(v, image));
        }
    }

    private static String name(Map<String, Object> doc) {
        return (String) map(doc.get("metadata")).get("name");
    }

    static List<Map<String, Object>> yaml(Path file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Object> parsed = java.util.stream.StreamSupport.stream(new Yaml(new LoaderOptions())
                .loadAll(Files.readString(file)).spliterator(), false)) {
            parsed.filter(java.util.Objects::nonNull).forEach(d -> docs.add(map(d)));
        }
        assertThat(docs).as(file + " holds YAML documents").isNotEmpty();
        return docs;
    }

    @SuppressWarnings("unchecked")
    static <V> Map<String, V> map(Object o) {
        return (Map<String, V>) o;
    }

    private static List<Object> list(Object o) {
        return o == null ? List.of() : castList(o);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object o) {
        return (List<Object>) o;
    }

    private static List<String> strings(Object o) {
        return list(o).stream().map(Object::toString).toList();
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        Map<String, String> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
