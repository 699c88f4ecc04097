package dev.switchboard.platform.telemetry;

import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * {@code OTEL_TRACES_EXPORTER=clickhouse}: spans into {@code switchboard.spans}. Where from:
 * {@code otel.exporter.clickhouse.endpoint}, {@code .user}, {@code .password}; Switchboard sets them
 * from {@code analytics.clickhouse.*} unless the environment does.
 */
public final class ClickHouseSpanExporterProvider implements ConfigurableSpanExporterProvider {

    public static final String NAME = "clickhouse";
    static final String ENDPOINT = "otel.exporter.clickhouse.endpoint";
    static final String USER = "otel.exporter.clickhouse.user";
    static final String PASSWORD = "otel.exporter.clickhouse.password";

    @Override
    public SpanExporter createExporter(ConfigProperties config) {
        String endpoint = config.getString(ENDPOINT);
        if (endpoint == null || endpoint.isBlank()) {
            throw new ConfigurationException(ENDPOINT + " must be set for the clickhouse span exporter");
        }
        return new ClickHouseSpanExporter(endpoint, config.getString(USER, "default"), config.getString(PASSWORD, ""));
    }

    @Override
    public String getName() {
        return NAME;
    }
}
