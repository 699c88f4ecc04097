package dev.switchboard.cli;

import picocli.CommandLine;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Reads a point in time: {@code 2026-11-24T10:00:00Z}, {@code 2026-11-24} (UTC midnight) or {@code 2h} (ago). */
final class TimeConverter implements CommandLine.ITypeConverter<Instant> {

    @Override
    public Instant convert(String value) {
        String v = value.trim();
        try {
            return Instant.now().minus(new DurationConverter().convert(v));
        } catch (CommandLine.TypeConversionException ignored) {
            // not a duration
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException ignored) {
            // not an instant
        }
        try {
            return LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a time: use 2026-11-24T10:00:00Z, 2026-11-24 or an age such as 30m or 2h");
        }
    }
}
