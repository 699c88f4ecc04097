package dev.switchboard.platform.kafka;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.assertj.core.api.Assertions.assertThat;

class CommitProgressTest {

    @Test
    void theOffsetsDoneAfterTheCommitAreReadBack() {
        BitSet done = new BitSet();
        done.set(0); // offset 101
        done.set(4); // offset 105
        String metadata = CommitProgress.encode(done);

        CommitProgress progress = CommitProgress.decode(100, metadata);

        assertThat(metadata).startsWith("sb1:");
        assertThat(progress.doneCount()).isEqualTo(2);
        assertThat(progress.isDone(100)).isFalse();
        assertThat(progress.isDone(101)).isTrue();
        assertThat(progress.isDone(102)).isFalse();
        assertThat(progress.isDone(105)).isTrue();
        assertThat(progress.isDone(99)).isFalse();
    }

    @Test
    void nothingDoneIsAnEmptyMetadata() {
        assertThat(CommitProgress.encode(new BitSet())).isEmpty();
        assertThat(CommitProgress.decode(7, "").doneCount()).isZero();
    }

    @Test
    void anotherProgramsMetadataOrABrokenOneSkipsNothing() {
        assertThat(CommitProgress.decode(7, "committed by a script").doneCount()).isZero();
        assertThat(CommitProgress.decode(7, "sb1:!!not base64!!").doneCount()).isZero();
        assertThat(CommitProgress.decode(7, null).doneCount()).isZero();
    }

    @Test
    void progressPastTheMetadataLimitIsCutSoTheBrokerTakesIt() {
        BitSet done = new BitSet();
        done.set(0, 100_000);

        String metadata = CommitProgress.encode(done);
        CommitProgress progress = CommitProgress.decode(0, metadata);

        // The broker's offset.metadata.max.bytes is 4,096 by default.
        assertThat(metadata.length()).isLessThan(4_096);
        assertThat(progress.doneCount()).isEqualTo(CommitProgress.MAX_BITS);
        assertThat(progress.isDone(CommitProgress.MAX_BITS)).isTrue();
        assertThat(progress.isDone(CommitProgress.MAX_BITS + 1)).isFalse();
    }
}
