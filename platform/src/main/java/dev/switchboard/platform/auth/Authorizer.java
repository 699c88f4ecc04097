package dev.switchboard.platform.auth;

import org.casbin.jcasbin.main.EnforceResult;
import org.casbin.jcasbin.main.Enforcer;
import org.casbin.jcasbin.model.Model;
import org.casbin.jcasbin.persist.file_adapter.FileAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Who may do what, where: jcasbin over the access model and policy of {@code deploy/rbac}
 * ({@code model.conf}, {@code policy.csv}). A decision asks, for each role of the caller, whether
 * the policy lets that role take an action on an object in the resource's tenant ("own" when it is
 * the caller's, else "other"); the caller may when any of its roles may. A policy file named by
 * {@code security.rbac.policy} is read again when it changes (checked at most once a second, on the
 * next decision), so a policy change needs no restart; a policy that no longer parses is refused
 * and the last good one stays in force. Without a file, the bundled default is used.
 */
public final class Authorizer {

    /**
     * The request attribute naming its data's classification ({@code pii}, ...), which the
     * policy's {@code p2} lines must name; set by producers, the HTTP API's header and {@code send}.
     */
    public static final String DATA_CLASSIFICATION_ATTRIBUTE = "data_classification";

    /** What may be done. */
    public enum Action {
        CHAT, USE, SEND, READ, LIST, REPLAY, CHANGE;

        String policyName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A decision: whether it is allowed, and the rule that decided, named for the caller (the
     * policy line that allowed it, or what no line allows). It never holds request data.
     */
    public record Decision(boolean allowed, String rule) {
    }

    /**
     * A policy put in force or refused: where it came from (the file, or {@code bundled}), the
     * SHA-256 of its text, whether it is now in force, and why not when it is not.
     */
    public record PolicyChange(String source, String sha256, boolean applied, boolean reload, String error) {
    }

    /** Told of every policy this authorizer loads, at start and on each change of its file. */
    @FunctionalInterface
    public interface PolicyListener {
        void changed(PolicyChange change);

        PolicyListener NONE = change -> { };
    }

    private static final Logger log = LoggerFactory.getLogger(Authorizer.class);
    private static final long RELOAD_CHECK_MS = 1_000;

    private final String model;
    private final Path policyFile;
    private final PolicyListener listener;
    private volatile Enforcer enforcer;
    private volatile FileTime loadedVersion;
    private volatile long checkedAtMs;

    /** The bundled model and default policy. */
    public static Authorizer bundled() {
        return new Authorizer(null);
    }

    /** The bundled model with the policy of {@code policyFile} (null: the bundled default), reloaded when it changes. */
    public Authorizer(Path policyFile) {
        this(policyFile, PolicyListener.NONE);
    }

    /** As {@link #Authorizer(Path)}, telling {@code listener} of the policy loaded now and of each change. */
    public Authorizer(Path policyFile, PolicyListener listener) {
        org.casbin.jcasbin.util.Util.enableLog = false;
        this.model = resource("rbac/model.conf");
        this.policyFile = policyFile;
        this.listener = listener;
        String text = policyFile == null ? resource("rbac/policy.csv") : read(policyFile);
        this.enforcer = enforcer(text);
        this.loadedVersion = policyFile == null ? null : modified(policyFile);
        listener.changed(new PolicyChange(policyFile == null ? "bundled" : policyFile.toString(), sha256(text), true, false, null));
    }

    /**
     * Whether {@code principal} may {@code action} {@code object} (e.g. {@code requests},
     * {@code tier:premium}, {@code tool:web_search}, {@code dlq}) of tenant {@code resourceTenant}.
     */
    public Decision decide(Principal principal, Action action, String object, String resourceTenant) {
        Objects.requireNonNull(resourceTenant, "resourceTenant");
        reloadIfChanged();
        String scope = principal.tenant().equals(resourceTenant) ? "own" : "other";
        Enforcer current = enforcer;
        for (String role : principal.roles().stream().sorted().toList()) {
            EnforceResult result = current.enforceEx(role, action.policyName(), object, scope);
            if (result.isAllow()) {
                List<String> rule = result.getExplain();
                return new Decision(true, "role " + role + " by rule p, " + String.join(", ", rule));
            }
        }
        return new Decision(false, "no rule lets role(s) " + principal.roles().stream().sorted().toList() + " "
                + action.policyName() + " " + object + (scope.equals("own") ? " in their tenant" : " of another tenant (" + resourceTenant + ")"));
    }

    /**
     * Where data of {@code classification} may go: the provider attributes (name → value) that
     * every provider taking it must have, by the policy's {@code p2} lines; empty when it asks for
     * nothing, and empty Optional when the policy does not know the classification.
     */
    public java.util.Optional<Map<String, String>> dataRequirements(String classification) {
        reloadIfChanged();
        Map<String, String> required = new java.util.TreeMap<>();
        boolean known = false;
        for (List<String> line : enforcer.getNamedPolicy("p2")) {
            if (line.size() == 3 && line.get(0).equals(classification)) {
                known = true;
                if (!"*".equals(line.get(1))) {
                    required.put(line.get(1), line.get(2));
                }
            }
        }
        return known ? java.util.Optional.of(Map.copyOf(required)) : java.util.Optional.empty();
    }

    /** The data classifications the policy names, sorted. */
    public List<String> classifications() {
        reloadIfChanged();
        return enforcer.getNamedPolicy("p2").stream().filter(line -> !line.isEmpty()).map(List::getFirst).distinct().sorted().toList();
    }

    private void reloadIfChanged() {
        if (policyFile == null) {
            return;
        }
        long now = System.currentTimeMillis();
        if (now - checkedAtMs < RELOAD_CHECK_MS) {
            return;
        }
        synchronized (this) {
            if (now - checkedAtMs < RELOAD_CHECK_MS) {
                return;
            }
            checkedAtMs = now;
            FileTime version = modified(policyFile);
            if (version == null || version.equals(loadedVersion)) {
                return;
            }
            String text = null;
            try {
                text = read(policyFile);
                enforcer = enforcer(text);
                loadedVersion = version;
                log.info("Access policy {} reloaded", policyFile);
                listener.changed(new PolicyChange(policyFile.toString(), sha256(text), true, true, null));
            } catch (RuntimeException e) {
                loadedVersion = version;
                log.error("Access policy {} changed but cannot be read ({}); the previous policy stays in force", policyFile,
                        e.getMessage());
                listener.changed(new PolicyChange(policyFile.toString(), text == null ? "" : sha256(text), false, true, e.getMessage()));
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the access policy " + file + " (security.rbac.policy)", e);
        }
    }

    private static String sha256(String text) {
        return dev.switchboard.platform.Sha256.hex(text);
    }

    private Enforcer enforcer(String policy) {
        Model m = new Model();
        m.loadModelFromText(model);
        Enforcer e = new Enforcer(m, new FileAdapter(new java.io.ByteArrayInputStream(policy.getBytes(StandardCharsets.UTF_8))));
        e.enableLog(false);
        // A policy whose lines do not fit the model fails here, not on a caller's request.
        e.enforce("user", Action.CHAT.policyName(), "requests", "own");
        return e;
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static String resource(String name) {
        try (InputStream in = Authorizer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("The bundled " + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
