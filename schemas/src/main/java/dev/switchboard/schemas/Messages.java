package dev.switchboard.schemas;

import dev.switchboard.avro.ChatMessage;
import dev.switchboard.avro.ChatRole;

import java.util.List;

/** Chat messages with a role and text only: the common case, without the tool fields' defaults spelled out. */
public final class Messages {

    private Messages() {
    }

    public static ChatMessage of(ChatRole role, String content) {
        return new ChatMessage(role, content, List.of(), null, null);
    }
}
