package dev.switchboard.cli;

import java.util.Collection;

/** Checks an option whose values are enumerated, so a typo fails listing what is allowed instead of matching nothing. */
final class Choices {

    private Choices() {
    }

    /** {@code value} when it is one of {@code allowed} (or null: not given); else a usage error naming them. */
    static String check(String option, String value, Collection<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw new CliException(option + " must be one of " + String.join(", ", allowed) + "; got '" + value + "'", 2);
        }
        return value;
    }

    /** As {@link #check}, for upper-case {@code allowed} names that may be given in any case. */
    static String checkIgnoringCase(String option, String value, Collection<String> allowed) {
        if (value != null && !allowed.contains(value.toUpperCase(java.util.Locale.ROOT))) {
            throw new CliException(option + " must be one of " + String.join(", ", allowed) + " (any case); got '" + value + "'", 2);
        }
        return value;
    }
}
