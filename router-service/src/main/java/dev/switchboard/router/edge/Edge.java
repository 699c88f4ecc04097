package dev.switchboard.router.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.avro.Feedback;
import dev.switchboard.avro.FeedbackKind;
import dev.switchboard.avro.LlmReply;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.avro.ReplyStatus;
import dev.switchboard.platform.audit.AuditLog;
import dev.switchboard.platform.auth.AuthenticationException;
import dev.switchboard.platform.auth.Authorizer;
import dev.switchboard.platform.auth.Principal;
import dev.switchboard.platform.auth.TokenVerifier;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.health.HealthCheck;
import dev.switchboard.platform.health.HealthServer;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.TopicBootstrap;
import dev.switchboard.platform.kafka.Topics;
import dev.switchboard.platform.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The OpenAI-compatible HTTP API and the health endpoints, on {@code health.port}; see the package doc. */
public final class Edge implements AutoCloseable {

    public static final String REQUEST_ID_HEADER = "x-switchboard-request-id";
    /** The tenant of a request when security is off ({@code security.enabled=false}); with it on, the token's. */
    public static final String TENANT_HEADER = "x-switchboard-tenant";
    public static final String SESSION_HEADER = "x-switchboard-session";
    /** The request's data classification ({@code pii}, ...): the planner sends it only where the access policy lets that data go. */
    public static final String DATA_CLASSIFICATION_HEADER = "x-switchboard-data-classification";
    /** Strategy target for this request: keep this share of the best eligible model's quality (attribute quality_target). */
    public static final String QUALITY_TARGET_HEADER = "x-switchboard-quality-target";
    /** Strategy target for this request: stay within this many USD a request on average (attribute cost_target). */
    public static final String COST_TARGET_HEADER = "x-switchboard-cost-target";
    /** How long past a request's deadline the edge waits for the pipeline's own DEADLINE_EXCEEDED reply. */
    static final Duration DEADLINE_GRACE = Duration.ofSeconds(2);
    private static final int MAX_KEY_CHARS = 255;
    private static final String PRINCIPAL = "switchboard.principal";
    /** The service of the edge's spans. */
    static final String SERVICE = "switchboard-edge";

    private static final Logger log = LoggerFactory.getLogger(Edge.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SwitchboardConfig.EdgeSettings settings;
    private final KafkaClients clients;
    private final Codec codec;
    private final SwitchboardConfig config;
    private final ModelCatalogue catalogue;
    private final RequestLog requests;
    private final List<HealthCheck> checks;
    private final KafkaProducer<byte[], byte[]> feedback;
    /** Null when security is off. */
    private final TokenVerifier verifier;
    /** Null when security is off. */
    private final Authorizer authorizer;
    private final AuditLog audit;
    private final Javalin app;

    /** An edge on {@code health.port}; {@code /health/ready} reports {@code checks} and the edge's own. */
    public Edge(SwitchboardConfig config, KafkaClients clients, Codec codec, List<HealthCheck> checks) {
        this.config = config;
        this.settings = config.edge();
        this.clients = clients;
        this.codec = codec;
        this.catalogue = new ModelCatalogue(config.providers());
        this.requests = new RequestLog(clients, codec, settings.replyTopic(), settings.lookback(), settings.requestTimeout());
        List<HealthCheck> all = new ArrayList<>(checks);
        all.add(requests);
        this.checks = List.copyOf(all);
        // Writes feedback and the audit records of refused calls.
        this.feedback = clients.producer("switchboard-edge-feedback");
        this.verifier = config.security().enabled() ? new TokenVerifier(config.security()) : null;
        this.audit = new AuditLog(feedback, codec, "edge");
        this.authorizer = config.security().enabled()
                ? new Authorizer(config.security().rbacPolicyFile(), change -> audit.policy("edge", change)) : null;
        this.app = Javalin.create(c -> {
            Connectors.listen(c, config.healthPort());
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.concurrency.useVirtualThreads = true;
            c.http.maxRequestSize = settings.maxBodyBytes();
            c.routes.before(this::authenticate);
            c.routes.post("/v1/chat/completions", ctx -> traced(ctx, "/v1/chat/completions", this::chatCompletions));
            c.routes.get("/v1/requests/{id}", this::lookup);
            c.routes.get("/v1/models", ctx -> json(ctx, 200, catalogue.list()));
            c.routes.post("/v1/feedback", this::feedback);
            c.routes.get("/metrics", this::metrics);
            c.routes.get("/health/live", ctx -> json(ctx, 200, JSON.createObjectNode().put("status", "UP")));
            c.routes.get("/health/ready", ctx -> {
                HealthServer.Report report = HealthServer.report(this.checks);
                // A probe without a token learns up or down; the components' details need one.
                json(ctx, report.up() ? 200 : 503, ctx.attribute(PRINCIPAL) != null ? report.body()
                        : JSON.createObjectNode().put("status", report.up() ? "UP" : "DOWN"));
            });
            c.routes.exception(EdgeError.class, (e, ctx) -> error(ctx, e));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus() == 413
                    ? new EdgeError(413, "invalid_request_error", null, "request_too_large",
                    "The request body is larger than " + settings.maxBodyBytes() + " bytes (edge.max.body.bytes)", null)
                    : new EdgeError(e.getStatus(), "invalid_request_error", null, null, e.getMessage(), null)));
            c.routes.exception(Exception.class, (e, ctx) -> {
                log.error("Edge: {} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, new EdgeError(500, "server_error", null, null, "Internal error: " + e.getClass().getSimpleName(), null));
            });
        });
    }

    public Edge start() {
        try (Admin admin = clients.admin("switchboard-edge-bootstrap")) {
            TopicBootstrap.ensureTopic(admin, new NewTopic(settings.replyTopic(), config.topicPartitions(), config.topicReplicationFactor()));
        }
        requests.start();
        try {
            app.start();
        } catch (RuntimeException e) {
            requests.close();
            throw new IllegalStateException("The HTTP API cannot listen on port " + config.healthPort() + " (health.port): "
                    + e.getMessage(), e);
        }
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Waits until the edge has read back its reply topic, so lookups of earlier requests answer. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return requests.awaitCaughtUp(timeout);
    }

    public HealthCheck healthCheck() {
        return requests;
    }

    /**
     * Runs a route in a SERVER span, a child of the caller's {@code traceparent} when it sent one; the
     * records the route publishes carry the span's trace on to the pipeline.
     */
    private static void traced(Context ctx, String route, io.javalin.http.Handler handler) throws Exception {
        Span span = Tracing.tracer(SERVICE).spanBuilder(ctx.method().name() + " " + route)
                .setParent(Tracing.extract(ctx, HttpHeaders.INSTANCE))
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", ctx.method().name())
                .setAttribute("http.route", route)
                .startSpan();
        int status = 500;
        try (Scope ignored = span.makeCurrent()) {
            handler.handle(ctx);
            status = ctx.statusCode();
        } catch (EdgeError e) {
            status = e.status;
            throw e;
        } catch (HttpResponseException e) {
            status = e.getStatus();
            throw e;
        } finally {
            span.setAttribute("http.response.status_code", status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }

    /** A request's headers, as the trace context propagators read them. */
    private enum HttpHeaders implements TextMapGetter<Context> {
        INSTANCE;

        @Override
        public Iterable<String> keys(Context ctx) {
            return ctx.headerMap().keySet();
        }

        @Override
        public String get(Context ctx, String key) {
            return ctx == null ? null : ctx.header(key);
        }
    }

    private static void copyHeader(Context ctx, String header, Map<String, String> attributes, String attribute) {
        String value = ctx.header(header);
        if (value != null) {
            if (value.isBlank() || value.length() > 32) {
                throw EdgeError.invalid(header, "The " + header + " header must have 1 to 32 characters");
            }
            attributes.put(attribute, value.trim());
        }
    }

    private void chatCompletions(Context ctx) {
        byte[] bytes = ctx.bodyAsBytes();
        JsonNode body = readJson(bytes);
        ChatCompletionRequest chat = ChatCompletionRequest.parse(body);
        ModelCatalogue.Route route = catalogue.resolve(chat.model());
        String tenant = principal(ctx).tenant();
        authorize(ctx, Authorizer.Action.CHAT, "requests", tenant);
        String session = ctx.header(SESSION_HEADER);
        String idempotencyKey = ctx.header("Idempotency-Key");
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_KEY_CHARS)) {
            throw EdgeError.invalid("Idempotency-Key", "The Idempotency-Key header must have 1 to " + MAX_KEY_CHARS + " characters");
        }
        String requestId = idempotencyKey == null ? UUID.randomUUID().toString()
                : UUID.nameUUIDFromBytes(("idempotency\0" + tenant + "\0" + idempotencyKey).getBytes(StandardCharsets.UTF_8)).toString();
        ctx.header(REQUEST_ID_HEADER, requestId);
        Tracing.requestId(requestId);
        RequestLog.Entry known = requests.find(requestId);
        if (known == null && requests.waiting() >= settings.maxPending()) {
            throw new EdgeError(429, "rate_limit_error", null, "rate_limit_exceeded", "This edge has "
                    + settings.maxPending() + " requests in flight (edge.max.pending); retry shortly", Duration.ofSeconds(1));
        }
        long now = System.currentTimeMillis();
        Map<String, String> attributes = new HashMap<>();
        attributes.put("source", "http");
        if (chat.json()) {
            attributes.put("response_format", "json");
        }
        String classification = ctx.header(DATA_CLASSIFICATION_HEADER);
        if (classification != null) {
            if (classification.isBlank() || classification.length() > 64) {
                throw EdgeError.invalid(DATA_CLASSIFICATION_HEADER, "The " + DATA_CLASSIFICATION_HEADER
                        + " header must have 1 to 64 characters");
            }
            attributes.put(Authorizer.DATA_CLASSIFICATION_ATTRIBUTE, classification.trim());
        }
        // The planner checks the values and refuses, naming the attribute, what it cannot hold.
        copyHeader(ctx, QUALITY_TARGET_HEADER, attributes, "quality_target");
        copyHeader(ctx, COST_TARGET_HEADER, attributes, "cost_target");
        if (route.agent()) {
            if (chat.stream()) {
                throw EdgeError.invalid("stream", "model " + ModelCatalogue.AGENT + " answers when its run ends: send stream false");
            }
            if (chat.parameters() != null && chat.parameters().getTools() != null) {
                throw EdgeError.invalid("tools", "model " + ModelCatalogue.AGENT + " calls the tools registered on llm.tools "
                        + "(switchboard tools list), not the client's: send no tools, or name another model to run your own");
            }
            attributes.put("mode", "agent");
        }
        boolean streamed = chat.stream() && !preferAsync(ctx);
        if (streamed) {
            attributes.put(Topics.STREAM_ATTRIBUTE, "true");
        }
        LlmRequest request = LlmRequest.newBuilder()
                .setRequestId(requestId).setTenantId(tenant).setSessionId(session)
                .setMessages(chat.messages()).setAttributes(attributes)
                .setReplyTo(settings.replyTopic())
                .setDeadlineMs(now + settings.requestTimeout().toMillis()).setCreatedAtMs(now)
                .setPreferredProviders(route.providers()).setModel(route.model())
                .setParameters(chat.parameters())
                .build();
        String hash = sha256(bytes);
        java.util.concurrent.BlockingQueue<Object> events = new java.util.concurrent.LinkedBlockingQueue<>();
        // Only a request that may be looked up or retried by id before its answer needs the accepted marker.
        boolean marked = idempotencyKey != null || preferAsync(ctx);
        RequestLog.Submission submission = requests.submit(request, session != null ? session : requestId, hash,
                verifier != null ? ctx.header("Authorization") : null, streamed ? events::add : null, marked);
        RequestLog.Entry entry = submission.entry();
        if (!submission.published() && entry.bodyHash != null && !entry.bodyHash.equals(hash)) {
            throw new EdgeError(422, "invalid_request_error", "Idempotency-Key", "idempotency_key_reused",
                    "This Idempotency-Key was used with another request body (request " + requestId + ")", null);
        }
        if (preferAsync(ctx)) {
            ctx.header("Preference-Applied", "respond-async").header("Location", "/v1/requests/" + requestId);
            LlmReply now0 = entry.replyNow();
            json(ctx, now0 == null ? 202 : 200, Completions.status(requestId, now0));
            return;
        }
        if (streamed && submission.published()) {
            entry.reply.whenComplete((reply, error) -> events.add(reply != null ? reply : error));
            try {
                new StreamRelay(ctx, requestId, events, entry.seenAtMs + settings.requestTimeout().plus(DEADLINE_GRACE).toMillis())
                        .run();
            } finally {
                entry.chunks = null;
            }
            return;
        }
        LlmReply reply = await(entry, requestId);
        if (reply.getStatus() == ReplyStatus.FAILED) {
            throw Completions.error(reply);
        }
        if (chat.stream()) {
            // A retry of a streamed request, answered or still in flight elsewhere: the whole answer as one stream.
            StringBuilder sse = new StringBuilder();
            for (ObjectNode chunk : Completions.chunks(reply)) {
                sse.append("data: ").append(chunk.toString()).append("\n\n");
            }
            sse.append("data: [DONE]\n\n");
            ctx.status(200).header("Cache-Control", "no-cache").contentType("text/event-stream").result(sse.toString());
            return;
        }
        json(ctx, 200, Completions.completion(reply));
    }

    /** The reply, waiting until the request's deadline and a grace for the pipeline's own deadline reply. */
    private LlmReply await(RequestLog.Entry entry, String requestId) {
        long waitMs = settings.requestTimeout().plus(DEADLINE_GRACE).toMillis() - (System.currentTimeMillis() - entry.seenAtMs);
        try {
            return entry.reply.get(Math.max(1, waitMs), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new EdgeError(504, "timeout", null, "deadline_exceeded", "No answer within "
                    + settings.requestTimeout().toSeconds() + " s (edge.request.timeout.ms); GET /v1/requests/" + requestId
                    + " tells whether one comes", null);
        } catch (ExecutionException e) {
            throw new EdgeError(503, "service_unavailable", null, "kafka_unavailable",
                    "The request could not be queued: " + e.getCause().getClass().getSimpleName(), Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EdgeError(503, "service_unavailable", null, null, "The edge is stopping", Duration.ofSeconds(1));
        }
    }

    private void lookup(Context ctx) {
        String id = ctx.pathParam("id");
        RequestLog.Entry entry = requests.find(id);
        Principal caller = principal(ctx);
        boolean own = entry != null && entry.visibleTo(caller.tenant());
        // Another tenant's request is as unknown as one never made, its existence not revealed either,
        // unless the policy lets the caller read other tenants' requests (admin).
        boolean readable = own || entry != null && authorizer != null
                && authorizer.decide(caller, Authorizer.Action.READ, "request", entry.tenant).allowed();
        if (!readable) {
            throw EdgeError.notFound("request_not_found", "id", "No request " + id + " is known to this edge: it was never made, "
                    + "or was answered more than " + settings.lookback().toMinutes() + " min ago (edge.lookback.ms)");
        }
        if (own) {
            authorize(ctx, Authorizer.Action.READ, "request", caller.tenant());
        }
        ctx.header(REQUEST_ID_HEADER, id);
        json(ctx, 200, Completions.status(id, entry.replyNow()));
    }

    private void feedback(Context ctx) throws InterruptedException {
        JsonNode body = readJson(ctx.bodyAsBytes());
        if (body == null || !body.isObject()) {
            throw EdgeError.invalid(null, "The request body must be a JSON object with request_id, kind and score");
        }
        JsonNode requestId = body.path("request_id");
        if (!requestId.isTextual() || requestId.asText().isBlank()) {
            throw EdgeError.invalid("request_id", "request_id is required: the x-switchboard-request-id of the answer rated");
        }
        FeedbackKind kind;
        try {
            kind = FeedbackKind.valueOf(body.path("kind").asText("").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw EdgeError.invalid("kind", "kind must be user_satisfaction or accuracy");
        }
        JsonNode score = body.path("score");
        if (!score.isNumber() || score.asDouble() < 0 || score.asDouble() > 1) {
            throw EdgeError.invalid("score", "score must be a number from 0 to 1");
        }
        JsonNode comment = body.path("comment");
        if (!comment.isMissingNode() && !comment.isNull() && !comment.isTextual()) {
            throw EdgeError.invalid("comment", "comment must be a string");
        }
        authorize(ctx, Authorizer.Action.SEND, "feedback", principal(ctx).tenant());
        Feedback record = Feedback.newBuilder().setRequestId(requestId.asText())
                .setTenantId(principal(ctx).tenant())
                .setKind(kind).setScore(score.asDouble()).setComment(comment.isTextual() ? comment.asText() : null)
                .setCreatedAtMs(System.currentTimeMillis()).build();
        try {
            feedback.send(codec.record(Topics.FEEDBACK, record.getRequestId(), record)).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new EdgeError(503, "service_unavailable", null, "kafka_unavailable",
                    "The feedback could not be written to " + Topics.FEEDBACK.name(), Duration.ofSeconds(1));
        }
        json(ctx, 202, JSON.createObjectNode().put("object", "switchboard.feedback").put("request_id", record.getRequestId())
                .put("status", "accepted"));
    }

    /**
     * Before every handler: who calls. With security on, a bearer token verified against the issuer
     * (401 with {@code WWW-Authenticate} when it proves nothing; {@code /health/live} and an
     * anonymous {@code /health/ready} need none); with it off, the tenant header.
     */
    private void authenticate(Context ctx) {
        if (ctx.path().equals("/health/live")) {
            return;
        }
        String authorization = ctx.header("Authorization");
        if (verifier == null) {
            ctx.attribute(PRINCIPAL, new Principal("anonymous", headerOr(ctx, TENANT_HEADER, settings.defaultTenant()), Set.of()));
            return;
        }
        if (authorization == null && ctx.path().equals("/health/ready")) {
            return;
        }
        try {
            ctx.attribute(PRINCIPAL, verifier.verifyAuthorization(authorization));
        } catch (AuthenticationException e) {
            log.warn("Edge: {} {} from {} refused: {} ({})", ctx.method(), ctx.path(), ctx.ip(), e.reason(), e.getMessage());
            audit(ctx, "unauthenticated", null, "UNAUTHENTICATED", e.reason().name());
            if (e.reason() == AuthenticationException.Reason.KEYS_UNAVAILABLE) {
                throw new EdgeError(503, "service_unavailable", null, "issuer_unavailable",
                        "Tokens cannot be checked now: the issuer's keys cannot be fetched", Duration.ofSeconds(5));
            }
            ctx.header("WWW-Authenticate", e.reason() == AuthenticationException.Reason.MISSING
                    ? "Bearer realm=\"switchboard\""
                    : "Bearer realm=\"switchboard\", error=\"invalid_token\", error_description=\""
                    + e.getMessage().replace('"', '\'') + "\"");
            throw new EdgeError(401, "invalid_request_error", null, "invalid_api_key", e.getMessage(), null);
        }
    }

    /**
     * The process's Prometheus metrics. They span every tenant (cost by tenant), so reading them is
     * {@code read analytics} of all tenants: a role with that right in any tenant ({@code ops}, {@code admin}).
     */
    private void metrics(Context ctx) {
        authorize(ctx, Authorizer.Action.READ, "analytics", ALL_TENANTS);
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(dev.switchboard.platform.metrics.SwitchboardMetrics.scrape());
    }

    /** Stands for every tenant where a resource spans them all (no caller's tenant is named so). */
    private static final String ALL_TENANTS = "*";

    /** 403 naming the rule when the policy does not let the caller {@code action} {@code object} of {@code tenant}. */
    private void authorize(Context ctx, Authorizer.Action action, String object, String tenant) {
        if (authorizer == null) {
            return;
        }
        Authorizer.Decision decision = authorizer.decide(principal(ctx), action, object, tenant);
        if (!decision.allowed()) {
            log.warn("Edge: {} {} by {} of tenant {} denied: {}", ctx.method(), ctx.path(), principal(ctx).subject(),
                    principal(ctx).tenant(), decision.rule());
            audit(ctx, principal(ctx).subject(), principal(ctx).tenant(), "FORBIDDEN", decision.rule());
            throw new EdgeError(403, "permission_error", null, "forbidden", "Forbidden: " + decision.rule(), null);
        }
    }

    /** An {@code AuditEvent} on {@code llm.audit} for a refused call: who, what, and why; never the body. */
    private void audit(Context ctx, String actor, String tenant, String outcome, String reason) {
        Map<String, String> details = AuditLog.denial(reason, tenant);
        details.put("client", ctx.ip());
        audit.record(actor, "http." + ctx.method().name().toLowerCase(Locale.ROOT), ctx.path(), outcome, details);
    }

    private static Principal principal(Context ctx) {
        Principal principal = ctx.attribute(PRINCIPAL);
        if (principal == null) {
            throw new IllegalStateException("no principal: authenticate did not run for " + ctx.path());
        }
        return principal;
    }

    private static boolean preferAsync(Context ctx) {
        String prefer = ctx.header("Prefer");
        if (prefer == null) {
            return false;
        }
        for (String preference : prefer.split(",")) {
            if (preference.trim().toLowerCase(Locale.ROOT).startsWith("respond-async")) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode readJson(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw EdgeError.invalid(null, "The request body is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (java.io.IOException e) {
            throw EdgeError.invalid(null, "The request body cannot be read");
        }
    }

    private static String headerOr(Context ctx, String name, String fallback) {
        String value = ctx.header(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static String sha256(byte[] bytes) {
        return dev.switchboard.platform.Sha256.hex(bytes);
    }

    private static void error(Context ctx, EdgeError e) {
        if (e.retryAfter != null) {
            ctx.header("Retry-After", Long.toString(Math.max(1, e.retryAfter.toSeconds())));
        }
        json(ctx, e.status, e.body());
    }

    private static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    @Override
    public void close() {
        app.stop();
        requests.close();
        feedback.close(Duration.ofSeconds(5));
    }
}
