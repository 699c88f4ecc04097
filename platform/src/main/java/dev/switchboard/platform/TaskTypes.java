package dev.switchboard.platform;

import java.util.List;

/**
 * The task types a request can have: what the planner's analysis gives a prompt, what a producer may
 * set as its {@code taskHint}, and what scores and the quality model are kept by.
 */
public final class TaskTypes {

    public static final List<String> ALL = List.of("code", "math", "multiple_choice", "extraction", "summarization",
            "translation", "question", "chat");

    private TaskTypes() {
    }
}
