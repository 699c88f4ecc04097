package dev.switchboard.platform;

import dev.switchboard.avro.ChatMessage;

import java.util.List;

/** Token estimates before a call: one token per four characters, as list-price estimates assume. */
public final class Tokens {

    private Tokens() {
    }

    public static int estimate(List<ChatMessage> messages) {
        long chars = 0;
        for (ChatMessage message : messages) {
            chars += message.getContent().length();
        }
        return (int) Math.min(Integer.MAX_VALUE, (chars + 3) / 4);
    }
}
