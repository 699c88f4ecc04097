package dev.switchboard.platform.telemetry;

import dev.switchboard.platform.config.SwitchboardConfig;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the OpenTelemetry SDK of a process from the standard {@code OTEL_*} environment variables
 * (and {@code otel.*} system properties), with Switchboard's defaults beneath them: traces to
 * ClickHouse {@code switchboard.spans} when analytics writes to ClickHouse, else recorded and
 * propagated but exported nowhere; no OTel metrics or logs (metrics are Prometheus', at
 * {@code /metrics}). {@code OTEL_TRACES_EXPORTER=otlp} and {@code OTEL_EXPORTER_OTLP_ENDPOINT} send
 * them to a collector instead; {@code OTEL_SDK_DISABLED=true} turns tracing off.
 */
public final class Telemetry {

    private static final Logger log = LoggerFactory.getLogger(Telemetry.class);

    private Telemetry() {
    }

    /**
     * Installs the process's SDK for {@code service} (its {@code service.name}); closing the result
     * flushes the spans not yet exported and shuts it down. When a test installed its own SDK first,
     * that one stays and closing does nothing.
     *
     * @throws IllegalArgumentException when an {@code OTEL_*} setting is invalid, naming it
     */
    public static AutoCloseable start(SwitchboardConfig config, String service) {
        if (Tracing.installed()) {
            return () -> { };
        }
        Map<String, String> defaults = defaults(config, service);
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException("OpenTelemetry settings (OTEL_* variables, otel.* properties): " + e.getMessage(), e);
        }
        AutoCloseable installed = Tracing.install(sdk);
        if ("true".equalsIgnoreCase(setting("otel.sdk.disabled", "false"))) {
            log.info("Tracing off (OTEL_SDK_DISABLED): no spans; a record's trace context is passed on unchanged");
        } else {
            log.info("Tracing: service {}, spans exported to {}", setting("otel.service.name", service),
                    setting("otel.traces.exporter", defaults.get("otel.traces.exporter")));
        }
        return () -> {
            installed.close();
            sdk.shutdown().join(10, TimeUnit.SECONDS);
        };
    }

    /** Switchboard's settings under the environment's: each applies only where no OTEL_* variable or otel.* property is set. */
    static Map<String, String> defaults(SwitchboardConfig config, String service) {
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", service);
        SwitchboardConfig.AnalyticsSettings analytics = config.analytics();
        boolean clickhouse = analytics.enabled() && analytics.clickhouseEnabled();
        defaults.put("otel.traces.exporter", clickhouse ? ClickHouseSpanExporterProvider.NAME : "none");
        defaults.put(ClickHouseSpanExporterProvider.ENDPOINT, analytics.clickhouseUrl());
        defaults.put(ClickHouseSpanExporterProvider.USER, analytics.clickhouseUser());
        defaults.put(ClickHouseSpanExporterProvider.PASSWORD, analytics.clickhousePassword());
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        // A pipeline at 1,000 requests/s makes ~6,000 spans/s: room for a few seconds of them, exported each second.
        defaults.put("otel.bsp.max.queue.size", "32768");
        defaults.put("otel.bsp.max.export.batch.size", "4096");
        defaults.put("otel.bsp.schedule.delay", "1000");
        return defaults;
    }

    /** A setting as autoconfiguration reads it: the system property, else the environment variable, else {@code fallback}. */
    private static String setting(String property, String fallback) {
        String value = System.getProperty(property);
        if (value == null) {
            value = System.getenv(property.toUpperCase(java.util.Locale.ROOT).replace('.', '_'));
        }
        return value == null || value.isBlank() ? fallback : value;
    }
}
