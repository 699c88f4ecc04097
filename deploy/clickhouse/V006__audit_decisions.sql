-- The audit trail's decisions as columns: who (principal), in which tenant, did what (action) to what
-- (resource), what was decided and why, and the hash chain the record belongs to. ClickHouseSinkIT queries it.
CREATE VIEW IF NOT EXISTS switchboard.audit_decisions AS
SELECT
    ts,
    event_id,
    actor AS principal,
    visitParamExtractString(details, 'tenant') AS tenant,
    action,
    target AS resource,
    outcome,
    visitParamExtractString(details, 'decision') AS decision,
    visitParamExtractString(details, 'reason') AS reason,
    visitParamExtractString(details, 'chain.writer') AS chain,
    toUInt64OrZero(visitParamExtractString(details, 'chain.seq')) AS chain_seq
FROM switchboard.audit_log FINAL;
