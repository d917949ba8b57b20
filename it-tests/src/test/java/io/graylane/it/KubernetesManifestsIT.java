package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes and Istio manifests under {@code sample-apps/k8s}, offline: every file parses as YAML; Deployments and
 * Services bind to the Kubernetes model (fabric8) with unknown properties rejected, so a misspelt or misplaced field
 * fails; the lanes, services and ports match the lane table {@code sample-apps/lanes.tsv} that demo.sh lanes and
 * LanesIT run: a Deployment per (service, lane) whose ASM_TRAFFIC_TAG comes from its pod's {@code lane} label and that
 * attaches the agent through JAVA_TOOL_OPTIONS from a volume an init container fills, a Service per service, a
 * DestinationRule subset per lane, and VirtualService routes by {@code x-asm-traffic-tag} with the base lane as default.
 */
class KubernetesManifestsIT {

    private static final Path DIR = Path.of("../sample-apps/k8s");
    /**
     * Binds YAML to the model and fails on a field the model does not have. The fabric8 classes collect unknown
     * fields in an "any setter" ({@code additionalProperties}), which FAIL_ON_UNKNOWN_PROPERTIES alone never sees:
     * the introspector says they have none.
     */
    private static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                private static final long serialVersionUID = 1L;

                @Override
                public Boolean hasAnySetter(Annotated member) {
                    return Boolean.FALSE;
                }
            });

    /** service -> [protocol, port, lanes...] */
    private static final Map<String, List<String>> TABLE = new LinkedHashMap<>();
    private static final List<JsonNode> DOCUMENTS = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        for (String raw : Files.readAllLines(Path.of("../sample-apps/lanes.tsv"))) {
            String line = raw.replaceFirst("#.*", "").trim();
            if (line.isEmpty()) continue;
            String[] f = line.split("\\s+");
            TABLE.put(f[0], List.of(f).subList(1, f.length));
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(DIR)) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no manifests in " + DIR.toAbsolutePath());
        for (Path file : files) {
            try (MappingIterator<JsonNode> docs = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class)
                    .readValues(file.toFile())) {
                while (docs.hasNext()) {
                    JsonNode doc = docs.next();
                    if (doc != null && !doc.isMissingNode() && !doc.isNull() && doc.size() > 0) DOCUMENTS.add(doc);
                }
            }
        }
    }

    private static List<JsonNode> kind(String kind) {
        return DOCUMENTS.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    @Test
    void everyDeploymentIsOneLaneOfOneServiceOfTheLaneTable() throws IOException {
        Map<String, Set<String>> lanes = new TreeMap<>();
        for (JsonNode doc : kind("Deployment")) {
            Deployment deployment = STRICT.treeToValue(doc, Deployment.class);
            Map<String, String> labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
            String service = labels.get("app");
            String lane = labels.get("lane");
            assertEquals(labels, deployment.getSpec().getSelector().getMatchLabels(), "selector of " + service);
            lanes.computeIfAbsent(service, s -> new TreeSet<>()).add(lane);
            assertEquals(service + "-" + lane, deployment.getMetadata().getName());

            Container app = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(Integer.parseInt(TABLE.get(service).get(1)), app.getPorts().get(0).getContainerPort(), service);
            EnvVar tag = env(app, "ASM_TRAFFIC_TAG");
            assertEquals("metadata.labels['lane']", tag.getValueFrom().getFieldRef().getFieldPath(), service);
            String agent = env(app, "JAVA_TOOL_OPTIONS").getValue();
            assertTrue(agent.startsWith("-javaagent:/graylane/graylane-agent.jar"), agent);
            assertEquals("0.0.0.0", env(app, "SAMPLE_BIND_ADDRESS").getValue(), service + " must listen beyond loopback");
            Container init = deployment.getSpec().getTemplate().getSpec().getInitContainers().get(0);
            assertEquals("/graylane", init.getVolumeMounts().get(0).getMountPath());
            assertEquals("/graylane", app.getVolumeMounts().get(0).getMountPath());
        }
        Map<String, Set<String>> expected = new TreeMap<>();
        TABLE.forEach((service, row) -> expected.put(service, new TreeSet<>(row.subList(2, row.size()))));
        assertEquals(expected, lanes);
    }

    @Test
    void everyServiceOfTheLaneTableHasAKubernetesServiceOnItsPort() throws IOException {
        Map<String, Integer> ports = new TreeMap<>();
        for (JsonNode doc : kind("Service")) {
            Service service = STRICT.treeToValue(doc, Service.class);
            ports.put(service.getMetadata().getName(), service.getSpec().getPorts().get(0).getPort());
            assertEquals(Map.of("app", service.getMetadata().getName()), service.getSpec().getSelector());
        }
        Map<String, Integer> expected = new TreeMap<>();
        TABLE.forEach((service, row) -> expected.put(service, Integer.parseInt(row.get(1))));
        assertEquals(expected, ports);
    }

    @Test
    void destinationRulesHaveOneSubsetPerLaneAndVirtualServicesRouteTheLabelWithBaseAsDefault() {
        Map<String, Set<String>> subsets = new TreeMap<>();
        for (JsonNode rule : kind("DestinationRule")) {
            assertEquals("networking.istio.io/v1", rule.path("apiVersion").asText());
            Set<String> names = new TreeSet<>();
            rule.path("spec").path("subsets").forEach(s -> {
                assertEquals(s.path("name").asText(), s.path("labels").path("lane").asText());
                names.add(s.path("name").asText());
            });
            subsets.put(rule.path("spec").path("host").asText(), names);
        }
        Map<String, Set<String>> expected = new TreeMap<>();
        TABLE.forEach((service, row) -> expected.put(service, new TreeSet<>(row.subList(2, row.size()))));
        assertEquals(expected, subsets);

        Map<String, Set<String>> routed = new TreeMap<>();
        for (JsonNode vs : kind("VirtualService")) {
            if (vs.path("spec").path("http").get(0).has("mirror")) continue; // istio-mirror.yaml
            String host = vs.path("spec").path("hosts").get(0).asText();
            JsonNode http = vs.path("spec").path("http");
            Set<String> lanes = new TreeSet<>();
            for (int i = 0; i < http.size() - 1; i++) {
                String lane = http.get(i).path("match").get(0).path("headers").path("x-asm-traffic-tag").path("exact").asText();
                assertEquals(lane, http.get(i).path("route").get(0).path("destination").path("subset").asText());
                lanes.add(lane);
            }
            JsonNode fallback = http.get(http.size() - 1);
            assertFalse(fallback.has("match"), host + ": the last route must be the default");
            String base = TABLE.get(host).get(2);
            assertEquals(base, fallback.path("route").get(0).path("destination").path("subset").asText());
            lanes.add(base);
            routed.put(host, lanes);
        }
        assertEquals(expected, routed);
    }

    @Test
    void theMirrorRuleSendsCopiesToALaneThatExists() {
        List<JsonNode> mirrors = kind("VirtualService").stream()
                .filter(vs -> vs.path("spec").path("http").get(0).has("mirror")).toList();
        assertEquals(1, mirrors.size());
        JsonNode mirror = mirrors.get(0).path("spec").path("http").get(0).path("mirror");
        String host = mirror.path("host").asText();
        assertTrue(TABLE.get(host).subList(2, TABLE.get(host).size()).contains(mirror.path("subset").asText()));
    }

    /** The strict binding is what catches a misspelt field: the same Deployment with one field misspelt is refused. */
    @Test
    void aMisspeltFieldIsRefused() throws IOException {
        JsonNode deployment = kind("Deployment").get(0);
        STRICT.treeToValue(deployment, Deployment.class);
        String misspelt = deployment.toString().replace("\"containerPort\"", "\"containerPorts\"");
        assertTrue(!misspelt.equals(deployment.toString()), "the first Deployment names no containerPort");
        assertThrows(UnrecognizedPropertyException.class,
                () -> STRICT.treeToValue(STRICT.readTree(misspelt), Deployment.class));
    }

    /** What SAMPLE_BIND_ADDRESS in the manifests relies on; 127.0.0.2 stands in for 0.0.0.0 (tests stay on loopback). */
    @Test
    void aSampleServiceListensOnTheAddressItsEnvironmentNames() throws Exception {
        AgentJvm.Builder builder = SampleApps.backend("bind-backend", null).withAgent(false)
                .env("SAMPLE_BIND_ADDRESS", "127.0.0.2").readyWhenLogShows("[backend] listening on 127.0.0.2:");
        try (AgentJvm backend = builder.start()) {
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.2:" + backend.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertThrows(ConnectException.class, () -> client.send(HttpRequest.newBuilder(
                    URI.create(backend.url("/health"))).build(), HttpResponse.BodyHandlers.ofString()),
                    "the backend also listens on 127.0.0.1");
        }
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
    }
}
