package dev.switchboard.planner;

import dev.switchboard.avro.AuditEvent;
import dev.switchboard.avro.LlmRequest;
import dev.switchboard.platform.auth.AuthenticationException;
import dev.switchboard.platform.auth.Authorizer;
import dev.switchboard.platform.auth.Credentials;
import dev.switchboard.platform.auth.Principal;
import dev.switchboard.platform.auth.TokenVerifier;
import dev.switchboard.platform.config.SwitchboardConfig;
import dev.switchboard.platform.audit.AuditLog;
import dev.switchboard.platform.kafka.Codec;
import dev.switchboard.platform.kafka.KafkaClients;
import dev.switchboard.platform.kafka.RejectedRecordException;
import dev.switchboard.platform.kafka.Replies;
import dev.switchboard.platform.kafka.ReplayHeaders;
import dev.switchboard.platform.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who made a request on {@code llm.requests}: with {@code security.enabled}, the token in its
 * {@code authorization} header ({@link Credentials}) must verify as the HTTP API's do, judged as of
 * the record's log-append time when the topic keeps one (so a request that waited in Kafka is not
 * refused for its wait), and the access policy ({@link Authorizer}) must let it {@code chat} for the
 * request's tenant: its own, or any for operators replaying dead letters; a replayed request (one
 * with {@link ReplayHeaders#COUNT}) must also carry a token that may {@code replay dlq} for that
 * tenant. A request that fails is never planned: it is dead-lettered with a FAILED reply
 * ({@code UNAUTHENTICATED} or {@code FORBIDDEN}) and an {@link AuditEvent} on {@code llm.audit} says
 * who was refused and why. One that passes is planned with its maker's {@link Access}: the tiers and
 * tools its roles allow; the planner's own refusals of that kind are audited here too.
 */
final class RequestGate implements AutoCloseable {

    static final String ACTION = "request.submit";

    private static final Logger log = LoggerFactory.getLogger(RequestGate.class);

    private final TokenVerifier verifier;
    private final Authorizer authorizer;
    private final Codec codec;
    private final String stage;
    private final AuditLog audit;

    /** What to do with one request: publish {@code refusal} instead of its plan, or plan it with {@code access}. */
    record Verdict(List<ProducerRecord<byte[], byte[]>> refusal, Access access) {
    }

    RequestGate(SwitchboardConfig config, KafkaClients clients, Codec codec, String stage) {
        this.verifier = config.security().enabled() ? new TokenVerifier(config.security()) : null;
        this.audit = new AuditLog(clients, codec, stage);
        this.authorizer = new Authorizer(config.security().rbacPolicyFile(), change -> audit.policy(stage, change));
        this.codec = codec;
        this.stage = stage;
    }

    /** Records that the over-budget policy let {@code request} through on the cheapest provider. */
    void budgetOverridden(LlmRequest request, Access access, String reason) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("decision", "ALLOWED");
        details.put("reason", reason);
        details.put("tenant", request.getTenantId());
        details.put("requestId", request.getRequestId());
        audit.record(access.principal() != null ? access.principal().subject() : "unauthenticated", "budget.override",
                "tenant:" + request.getTenantId(), "OVER_BUDGET_CHEAPEST", details);
    }

    /** Whether {@code request} may be planned, and with what its maker may use. */
    Verdict check(ConsumerRecord<byte[], byte[]> record, LlmRequest request) {
        if (verifier == null) {
            return new Verdict(null, Access.unchecked(authorizer));
        }
        Instant asOf = record.timestampType() == TimestampType.LOG_APPEND_TIME ? Instant.ofEpochMilli(record.timestamp()) : null;
        Principal principal;
        try {
            principal = verifier.verifyAuthorization(Credentials.authorization(record.headers()), asOf);
        } catch (AuthenticationException e) {
            return new Verdict(refuse(record, request, null, RejectedRecordException.Reason.UNAUTHENTICATED,
                    "the request's token proves nothing (" + e.reason() + "): " + e.getMessage(), e.reason().name()), null);
        }
        Authorizer.Decision decision = authorizer.decide(principal, Authorizer.Action.CHAT, "requests", request.getTenantId());
        if (!decision.allowed()) {
            return new Verdict(refuse(record, request, principal, RejectedRecordException.Reason.FORBIDDEN, "a token of tenant "
                    + principal.tenant() + " may not make this request: " + decision.rule(),
                    principal.tenant().equals(request.getTenantId()) ? "ROLE" : "TENANT_MISMATCH"), null);
        }
        if (record.headers().lastHeader(ReplayHeaders.COUNT) != null) {
            Authorizer.Decision replay = authorizer.decide(principal, Authorizer.Action.REPLAY, "dlq", request.getTenantId());
            if (!replay.allowed()) {
                return new Verdict(refuse(record, request, principal, RejectedRecordException.Reason.FORBIDDEN,
                        "a replayed request needs a token that may replay dead letters: " + replay.rule(), "REPLAY"), null);
            }
        }
        return new Verdict(null, Access.of(authorizer, principal, request.getTenantId()));
    }

    /** Audits the planner's refusal of a request its maker's {@link Access} does not allow (a tier, a tool, classified data). */
    void planningRefused(LlmRequest request, Access access, RejectedRecordException refusal) {
        if (refusal.reason() == RejectedRecordException.Reason.FORBIDDEN) {
            audit(request, access.principal(), refusal.reason(), "POLICY", refusal.getMessage());
        }
    }

    private List<ProducerRecord<byte[], byte[]>> refuse(ConsumerRecord<byte[], byte[]> record, LlmRequest request,
                                                        Principal principal, RejectedRecordException.Reason errorClass, String message, String reason) {
        long now = System.currentTimeMillis();
        log.warn("{}: refused request {} of tenant {} ({}): {}", stage, request.getRequestId(), request.getTenantId(), errorClass,
                message);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(Replies.rejected(codec, stage, record, request,
                Planner.validReplyTo(request), new RejectedRecordException(errorClass, message, request.getRequestId()), now));
        audit(request, principal, errorClass, reason, errorClass == RejectedRecordException.Reason.FORBIDDEN ? message : null);
        return out;
    }

    /** @param rule the policy rule that decided a denial (never request data), or null */
    private void audit(LlmRequest request, Principal principal, RejectedRecordException.Reason errorClass, String reason, String rule) {
        Map<String, String> details = AuditLog.denial(reason, request.getTenantId());
        details.put("requestId", request.getRequestId());
        if (principal != null) {
            details.put("principalTenant", principal.tenant());
        }
        if (rule != null) {
            details.put("rule", rule);
        }
        audit.record(principal != null ? principal.subject() : "unauthenticated", ACTION, Topics.REQUESTS.name(), errorClass.name(), details);
    }

    @Override
    public void close() {
        audit.close();
    }
}
