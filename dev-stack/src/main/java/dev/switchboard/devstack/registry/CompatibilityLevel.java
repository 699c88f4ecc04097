package dev.switchboard.devstack.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Confluent's compatibility levels, checked with Avro's own {@link SchemaCompatibility}. */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** Case-insensitive; a {@link RegistryException} 42203 for anything else. */
    public static CompatibilityLevel parse(String value) {
        if (value != null) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // fall through to the registry's own error
            }
        }
        throw RegistryException.invalidCompatibility(value);
    }

    boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /**
     * Why {@code candidate} is incompatible with {@code existing} (oldest first), empty when it is
     * compatible. Non-transitive levels look at the latest version only.
     */
    List<String> problems(Schema candidate, List<Schema> existing) {
        List<String> problems = new ArrayList<>();
        if (this == NONE || existing.isEmpty()) {
            return problems;
        }
        List<Schema> against = transitive() ? existing : List.of(existing.getLast());
        for (Schema old : against) {
            if (this != FORWARD && this != FORWARD_TRANSITIVE) {
                check(candidate, old, "new schema cannot read data written with an earlier one", problems);
            }
            if (this != BACKWARD && this != BACKWARD_TRANSITIVE) {
                check(old, candidate, "an earlier schema cannot read data written with the new one", problems);
            }
        }
        return problems;
    }

    private static void check(Schema reader, Schema writer, String what, List<String> problems) {
        SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            for (SchemaCompatibility.Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
                problems.add("{" + what + ": " + incompatibility.getType() + " at '" + incompatibility.getLocation()
                        + "': " + incompatibility.getMessage() + "}");
            }
        }
    }
}
