package dev.switchboard.platform.config;

import org.apache.commons.text.similarity.LevenshteinDistance;
import org.apache.kafka.common.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Gathers raw settings in order of precedence, lowest first: the bundled defaults, a properties
 * file, environment variables ({@code SWITCHBOARD_} + the key upper-cased with every character that
 * is not a letter or digit turned into {@code _}; {@code kafka.bootstrap.servers} is
 * {@code SWITCHBOARD_KAFKA_BOOTSTRAP_SERVERS}), then explicit overrides.
 */
public final class ConfigLoader {

    public static final String ENV_PREFIX = "SWITCHBOARD_";
    /** Variables with the prefix that bin/switchboard reads, not the configuration. */
    static final Set<String> LAUNCHER_VARIABLES = Set.of("SWITCHBOARD_JAVA_OPTS", "SWITCHBOARD_LOG_FORMAT");
    private static final String DEFAULTS = "/switchboard-defaults.properties";

    private ConfigLoader() {
    }

    /** The bundled defaults, overlaid by {@code file} (when not null), the environment and {@code overrides}. */
    public static SwitchboardConfig load(Path file, Map<String, String> overrides) {
        return load(file, System.getenv(), overrides);
    }

    static SwitchboardConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> defaults = defaults();
        Map<String, String> settings = new HashMap<>();
        if (file != null) {
            settings.putAll(readFile(file));
        }
        // Environment variables are matched against every key the definition knows; keys of
        // providers named only in the environment are found in a further pass, until the keys settle.
        Set<String> known = Set.of();
        while (true) {
            Set<String> keys = applyEnv(defaults, settings, env);
            settings.putAll(overrides);
            if (keys.equals(known)) {
                break;
            }
            known = keys;
        }
        rejectUnknownEnv(known, env);
        return SwitchboardConfig.parse(defaults, settings);
    }

    public static Map<String, String> defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("Missing " + DEFAULTS + " on the classpath");
            }
            Properties properties = new Properties();
            properties.load(in);
            return toMap(properties);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + DEFAULTS, e);
        }
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Config file " + file.toAbsolutePath() + " does not exist");
        }
        try (Reader reader = Files.newBufferedReader(file)) {
            Properties properties = new Properties();
            properties.load(reader);
            return toMap(properties);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read config file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** Sets each key the definition knows from its variable, when there is one; returns the keys it matched against. */
    private static Set<String> applyEnv(Map<String, String> defaults, Map<String, String> settings, Map<String, String> env) {
        Map<String, String> merged = new HashMap<>(defaults);
        merged.putAll(settings);
        Set<String> known = SwitchboardConfig.knownKeys(merged);
        for (String key : known) {
            String value = env.get(envName(key));
            if (value != null) {
                settings.put(key, value);
            }
        }
        return known;
    }

    /**
     * Fails on a {@code SWITCHBOARD_*} variable that names no configuration key, naming it and the
     * closest variable that does: a misspelt variable would otherwise be ignored, and its setting
     * silently left at the default.
     */
    private static void rejectUnknownEnv(Set<String> keys, Map<String, String> env) {
        Map<String, String> keysByVariable = new TreeMap<>();
        keys.forEach(key -> keysByVariable.put(envName(key), key));
        for (String variable : new TreeSet<>(env.keySet())) {
            if (!variable.startsWith(ENV_PREFIX) || LAUNCHER_VARIABLES.contains(variable) || keysByVariable.containsKey(variable)) {
                continue;
            }
            String closest = null;
            int best = Integer.MAX_VALUE;
            for (String known : keysByVariable.keySet()) {
                int distance = LevenshteinDistance.getDefaultInstance().apply(variable, known);
                if (distance < best) {
                    best = distance;
                    closest = known;
                }
            }
            String hint = closest != null && best <= Math.max(3, variable.length() / 4)
                    ? "; did you mean " + closest + " (" + keysByVariable.get(closest) + ")?"
                    : "; see the configuration table of the README";
            throw new ConfigException("Unknown environment variable " + variable + ": no configuration key is called that" + hint);
        }
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static Map<String, String> toMap(Properties properties) {
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name).trim()));
        return map;
    }
}
