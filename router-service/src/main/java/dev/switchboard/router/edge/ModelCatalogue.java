package dev.switchboard.router.edge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.platform.config.ModelSpec;
import dev.switchboard.platform.config.ProviderSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * The models a client may name: {@code auto} (the planner decides), {@code switchboard/agent} (an
 * agent with the registered tools), a catalogue model (every
 * provider that serves it, in configuration order), {@code provider/model}, or a provider's name
 * (its default model).
 */
final class ModelCatalogue {

    static final String AUTO = "auto";
    /** A zero-shot ReAct agent with the registered tools: the request runs with {@code mode=agent}. */
    static final String AGENT = "switchboard/agent";

    /**
     * Where a request goes: preferred providers (empty: the planner's choice) and the model, or null
     * for the providers' own; {@code agent} when an agent runs it (its model calls then use the providers).
     */
    record Route(List<String> providers, String model, boolean agent) {
        Route(List<String> providers, String model) {
            this(providers, model, false);
        }
    }

    private final List<ProviderSpec> providers;

    ModelCatalogue(List<ProviderSpec> providers) {
        this.providers = List.copyOf(providers);
    }

    Route resolve(String model) {
        if (AUTO.equals(model)) {
            return new Route(List.of(), null);
        }
        if (AGENT.equals(model)) {
            return new Route(List.of(), null, true);
        }
        int slash = model.indexOf('/');
        if (slash > 0) {
            String providerName = model.substring(0, slash);
            String modelName = model.substring(slash + 1);
            for (ProviderSpec provider : providers) {
                if (provider.name().equals(providerName) && provider.modelSpec(modelName).isPresent()) {
                    return new Route(List.of(providerName), modelName);
                }
            }
        }
        List<String> serving = new ArrayList<>();
        for (ProviderSpec provider : providers) {
            if (provider.modelSpec(model).isPresent()) {
                serving.add(provider.name());
            }
        }
        if (!serving.isEmpty()) {
            return new Route(serving, serving.size() == 1 ? model : null);
        }
        for (ProviderSpec provider : providers) {
            if (provider.name().equals(model)) {
                return new Route(List.of(provider.name()), null);
            }
        }
        throw EdgeError.notFound("model_not_found", "model",
                "The model '" + model + "' does not exist here; GET /v1/models lists the models, or send auto");
    }

    /** {@code GET /v1/models}: OpenAI's list shape; {@code auto} first, then each provider's models. */
    ObjectNode list() {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        data.addObject().put("id", AUTO).put("object", "model").put("created", 0).put("owned_by", "switchboard");
        data.addObject().put("id", AGENT).put("object", "model").put("created", 0).put("owned_by", "switchboard");
        for (ProviderSpec provider : providers) {
            for (ModelSpec model : provider.models()) {
                ObjectNode entry = data.addObject().put("id", provider.name() + "/" + model.name()).put("object", "model")
                        .put("created", 0).put("owned_by", provider.name());
                entry.put("context_window", model.contextWindow());
                ArrayNode capabilities = entry.putArray("capabilities");
                model.capabilities().stream().sorted().forEach(capabilities::add);
            }
        }
        return body;
    }
}
