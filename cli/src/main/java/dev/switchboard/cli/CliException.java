package dev.switchboard.cli;

/** An error for the user: printed as one line, without a stack trace, with this exit code. */
final class CliException extends RuntimeException {

    private final int exitCode;

    CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
