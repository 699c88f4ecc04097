package dev.switchboard.cli.backup;

/** A backup that cannot be made, verified or restored, with the reason in words. */
public final class BackupException extends RuntimeException {

    public BackupException(String message) {
        super(message);
    }
}
