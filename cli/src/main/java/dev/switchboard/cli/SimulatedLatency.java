package dev.switchboard.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Simulated providers set, for a benchmark, to answer in a fixed time without faults, through the
 * simulator's {@code /<provider>/admin/faults} (as an operator, whose token may change faults);
 * closing puts each provider's faults back as they were.
 */
final class SimulatedLatency implements AutoCloseable {

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> before = new LinkedHashMap<>();
    private final String token;

    SimulatedLatency(StackConnection stack, List<String> providers, long latencyMs) {
        this.token = stack.operatorToken();
        try {
            for (String provider : providers) {
                String url = "http://localhost:" + stack.config.simulatorPort() + "/" + provider + "/admin/faults";
                before.put(url, http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
                put(url, "{\"errorRate\":0,\"timeoutRate\":0,\"latencyMs\":{\"p50\":" + latencyMs + ",\"p99\":" + latencyMs + "}}");
            }
        } catch (java.io.IOException e) {
            close();
            throw new CliException("The provider simulator does not answer at port " + stack.config.simulatorPort()
                    + " (" + e.getMessage() + "): is the stack running with its simulator?", 3);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new CliException("Interrupted while setting the simulated providers' latency", 1);
        }
    }

    private void put(String url, String body) throws java.io.IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new java.io.IOException("PUT " + url + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    @Override
    public void close() {
        for (Map.Entry<String, String> faults : before.entrySet()) {
            try {
                put(faults.getKey(), faults.getValue());
            } catch (java.io.IOException | InterruptedException e) {
                System.err.println("Could not put back the faults of " + faults.getKey() + ": " + e.getMessage());
            }
        }
    }
}
