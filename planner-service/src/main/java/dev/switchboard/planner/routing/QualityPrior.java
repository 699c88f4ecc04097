package dev.switchboard.planner.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What the planner believes about models' quality before its first feedback: a quality model trained
 * offline, with every model's score on every training prompt, on public routing data
 * ({@code bench prior}), shipped with the planner and adapted online from there.
 *
 * <p>For each model it was trained on, the prior holds the weights of that model's ridge regression
 * of score on the prompt's embedding (the {@link LinearQualityModel}'s features). A model it has no
 * weights for shares the others' statistical strength: it starts from the regression pooled over all
 * of them (which prompts are hard for everyone), its level moved to what its price predicts (a line
 * through the trained models' mean scores against log price). So a model added to the catalogue
 * starts informed by its descriptor instead of at 0.5 everywhere.
 *
 * <p>{@code precision} is how firmly the online regression holds to these weights: its prior
 * precision, as the ridge is for a model without a prior. It is chosen with {@code bench replay} on
 * rows the prior never saw, and {@link #trainedOn()} says which rows it did see, so that a benchmark
 * can refuse to be judged on them.
 */
public final class QualityPrior {

    /** The prior shipped with the planner. */
    public static final String BUILTIN_RESOURCE = "/dev/switchboard/planner/routing/quality-prior.json";

    /** Rows a prior was trained on: {@code rows} rows of {@code file} (its SHA-256) from row {@code fromRow} (0-based). */
    public record Source(String file, String sha256, int fromRow, int rows) {
    }

    /** Where a model's prior came from: its own weights, or the pooled weights at the level its price predicts. */
    public record Belief(double[] weights, boolean own) {
    }

    private final String embedding;
    private final double precision;
    private final Map<String, double[]> models;
    private final Map<String, Double> prices;
    private final Map<String, Double> levels;
    private final double[] pooled;
    private final double levelIntercept;
    private final double levelSlope;
    private final double pooledLevel;
    private final List<Source> trainedOn;

    /**
     * @param embedding   the embedding model the weights are for
     * @param models      each trained model's weights (the embedding's dimensions, then the intercept)
     * @param prices      each trained model's price, USD per million tokens
     * @param pooled      the weights fitted to every model's scores at once
     * @param pooledLevel the pooled regression's mean prediction over the training prompts
     * @param levels      each trained model's mean prediction over its training prompts
     */
    public QualityPrior(String embedding, double precision, Map<String, double[]> models, Map<String, Double> prices,
                        double[] pooled, double pooledLevel, Map<String, Double> levels, List<Source> trainedOn) {
        if (!(precision > 0)) {
            throw new IllegalArgumentException("a prior's precision must be above 0, got " + precision);
        }
        models.forEach((m, w) -> {
            if (w.length != pooled.length) {
                throw new IllegalArgumentException("model " + m + " has " + w.length + " weights, the pooled regression " + pooled.length);
            }
        });
        this.embedding = embedding;
        this.precision = precision;
        this.models = Map.copyOf(models);
        this.prices = Map.copyOf(prices);
        this.pooled = pooled.clone();
        this.pooledLevel = pooledLevel;
        this.trainedOn = List.copyOf(trainedOn);
        // Least squares of level on log10(price) over the trained models with a price above 0.
        List<double[]> points = new ArrayList<>();
        levels.forEach((m, level) -> {
            Double price = prices.get(m);
            if (price != null && price > 0) {
                points.add(new double[] {Math.log10(price), level});
            }
        });
        double mx = points.stream().mapToDouble(p -> p[0]).average().orElse(0);
        double my = points.stream().mapToDouble(p -> p[1]).average().orElse(pooledLevel);
        double sxx = points.stream().mapToDouble(p -> (p[0] - mx) * (p[0] - mx)).sum();
        double sxy = points.stream().mapToDouble(p -> (p[0] - mx) * (p[1] - my)).sum();
        this.levelSlope = sxx > 0 ? sxy / sxx : 0;
        this.levelIntercept = my - levelSlope * mx;
        this.levels = Map.copyOf(levels);
    }

    public double precision() {
        return precision;
    }

    /** Features a prior weight vector has: the embedding's dimensions and the intercept. */
    public int dimension() {
        return pooled.length;
    }

    public String embedding() {
        return embedding;
    }

    public List<Source> trainedOn() {
        return trainedOn;
    }

    public java.util.Set<String> models() {
        return models.keySet();
    }

    /** A trained model's mean prediction over its training prompts; NaN for a model the prior was not trained on. */
    public double levelOf(String model) {
        return levels.getOrDefault(model, Double.NaN);
    }

    /** A trained model's price, USD per million tokens; NaN for a model the prior was not trained on. */
    public double priceOf(String model) {
        return prices.getOrDefault(model, Double.NaN);
    }

    /** The same prior held with another precision. */
    public QualityPrior withPrecision(double precision) {
        return new QualityPrior(embedding, precision, models, prices, pooled, pooledLevel, levels, trainedOn);
    }

    /**
     * The level (mean score over the training prompts) a model of this price is expected to reach:
     * the line through the trained models' levels against log10 of their price.
     */
    public double levelAt(double pricePerMTok) {
        return pricePerMTok > 0 ? levelIntercept + levelSlope * Math.log10(pricePerMTok) : pooledLevel;
    }

    /**
     * The weights {@code model} starts from: its own when the prior was trained on it, otherwise the
     * pooled weights with the intercept moved to the level {@code pricePerMTok} predicts (NaN or 0:
     * the pooled level).
     */
    public Belief belief(String model, double pricePerMTok) {
        double[] own = models.get(model);
        if (own != null) {
            return new Belief(own.clone(), true);
        }
        double[] w = pooled.clone();
        if (pricePerMTok > 0) {
            w[w.length - 1] += levelAt(pricePerMTok) - pooledLevel;
        }
        return new Belief(w, false);
    }

    /** Each model's starting weights given the catalogue's prices (USD per million tokens by model). */
    public Function<String, Belief> beliefs(Map<String, Double> catalogPrices) {
        Map<String, Double> copy = Map.copyOf(catalogPrices);
        return model -> belief(model, copy.getOrDefault(model, Double.NaN));
    }

    /**
     * Trains a prior with full information: every model's score on every training prompt, each
     * model's regression with {@code ridge} and the pooled one over all of them.
     */
    public static final class Trainer {
        private final double ridge;
        private final LinearQualityModel byModel;
        private final LinearQualityModel pooledModel;
        private final Map<String, Double> prices = new LinkedHashMap<>();
        private final Map<String, List<float[]>> prompts = new LinkedHashMap<>();
        private final List<float[]> allPrompts = new ArrayList<>();
        private final List<Source> sources = new ArrayList<>();
        private static final String POOLED = "";

        public Trainer(double ridge) {
            this.ridge = ridge;
            LinearQualityModel.Settings settings = new LinearQualityModel.Settings(ridge, 1, LinearQualityModel.Settings.DEFAULT.priorMean());
            this.byModel = new LinearQualityModel(settings);
            this.pooledModel = new LinearQualityModel(settings);
        }

        /** {@code model}, priced at {@code pricePerMTok}, scored {@code score} on a prompt with this embedding. */
        public void add(String model, double pricePerMTok, float[] embedding, double score) {
            byModel.observe(model, embedding, null, score);
            pooledModel.observe(POOLED, embedding, null, score);
            prices.putIfAbsent(model, pricePerMTok);
            prompts.computeIfAbsent(model, m -> new ArrayList<>()).add(embedding);
            allPrompts.add(embedding);
        }

        public void source(Source source) {
            sources.add(source);
        }

        public QualityPrior build(String embedding, double precision) {
            if (allPrompts.isEmpty()) {
                throw new IllegalStateException("a prior needs at least one training score");
            }
            Map<String, double[]> weights = new LinkedHashMap<>();
            Map<String, Double> levels = new LinkedHashMap<>();
            prompts.forEach((m, xs) -> {
                double[] w = byModel.weights(m);
                weights.put(m, w);
                levels.put(m, meanPrediction(w, xs));
            });
            double[] pooled = pooledModel.weights(POOLED);
            return new QualityPrior(embedding, precision, weights, prices, pooled, meanPrediction(pooled, allPrompts), levels, sources);
        }

        public double ridge() {
            return ridge;
        }

        private static double meanPrediction(double[] w, List<float[]> xs) {
            double sum = 0;
            for (float[] x : xs) {
                double p = w[w.length - 1];
                for (int i = 0; i < x.length; i++) {
                    p += w[i] * x[i];
                }
                sum += p;
            }
            return sum / xs.size();
        }
    }

    /** The prior shipped with the planner. */
    public static QualityPrior builtin() {
        try (InputStream in = QualityPrior.class.getResourceAsStream(BUILTIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the built-in quality prior " + BUILTIN_RESOURCE + " is not on the class path");
            }
            return read(new ObjectMapper().readTree(in), BUILTIN_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("the built-in quality prior cannot be read", e);
        }
    }

    /** A prior written by {@link #write}; an unreadable or malformed file is an error naming it and the field. */
    public static QualityPrior read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such quality prior file: " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(new ObjectMapper().readTree(in), file.toString());
        }
    }

    private static QualityPrior read(JsonNode root, String where) {
        if (root == null || !root.isObject() || root.path("version").asInt() != 1) {
            throw new IllegalArgumentException(where + ": not a quality prior (version 1)");
        }
        double[] pooled = vector(root.path("pooled").path("weights"), where + ": pooled.weights");
        Map<String, double[]> models = new LinkedHashMap<>();
        Map<String, Double> prices = new LinkedHashMap<>();
        Map<String, Double> levels = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.path("models").properties()) {
            String field = where + ": models." + e.getKey();
            models.put(e.getKey(), vector(e.getValue().path("weights"), field + ".weights"));
            prices.put(e.getKey(), number(e.getValue(), "pricePerMTok", field));
            levels.put(e.getKey(), number(e.getValue(), "level", field));
        }
        List<Source> sources = new ArrayList<>();
        for (JsonNode s : root.path("trainedOn")) {
            sources.add(new Source(s.path("file").asText(), s.path("sha256").asText(), s.path("fromRow").asInt(), s.path("rows").asInt()));
        }
        try {
            return new QualityPrior(root.path("embedding").asText(), number(root, "precision", where), models, prices, pooled,
                    number(root.path("pooled"), "level", where + ": pooled"), levels, sources);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    private static double number(JsonNode node, String field, String where) {
        JsonNode n = node.path(field);
        if (!n.isNumber()) {
            throw new IllegalArgumentException(where + "." + field + " must be a number");
        }
        return n.asDouble();
    }

    private static double[] vector(JsonNode node, String where) {
        if (!node.isArray() || node.isEmpty()) {
            throw new IllegalArgumentException(where + " must be a non-empty array of numbers");
        }
        double[] out = new double[node.size()];
        for (int i = 0; i < out.length; i++) {
            if (!node.get(i).isNumber()) {
                throw new IllegalArgumentException(where + "[" + i + "] must be a number");
            }
            out[i] = node.get(i).asDouble();
        }
        return out;
    }

    /** Writes the prior as JSON (weights to 6 significant digits). */
    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("version", 1);
        root.put("embedding", embedding);
        root.put("precision", precision);
        ArrayNode sources = root.putArray("trainedOn");
        trainedOn.forEach(s -> sources.addObject().put("file", s.file()).put("sha256", s.sha256()).put("fromRow", s.fromRow())
                .put("rows", s.rows()));
        ObjectNode pooledNode = root.putObject("pooled");
        pooledNode.put("level", pooledLevel);
        put(pooledNode.putArray("weights"), pooled);
        ObjectNode modelsNode = root.putObject("models");
        new java.util.TreeMap<>(models).forEach((m, w) -> {
            ObjectNode node = modelsNode.putObject(m);
            node.put("pricePerMTok", prices.getOrDefault(m, 0.0));
            node.put("level", levels.getOrDefault(m, pooledLevel));
            put(node.putArray("weights"), w);
        });
        Files.createDirectories(file.toAbsolutePath().getParent());
        json.writeValue(file.toFile(), root);
    }

    private static void put(ArrayNode array, double[] values) {
        for (double v : values) {
            array.add(Double.parseDouble(String.format(java.util.Locale.ROOT, "%.6g", v)));
        }
    }
}
