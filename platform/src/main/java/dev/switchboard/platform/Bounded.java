package dev.switchboard.platform;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Maps and sets that keep at most a given number of entries, dropping the eldest: what a service
 * remembers about recent requests (plans waiting for feedback, attempts already counted) without
 * growing with the traffic. Not synchronized; callers guard them as they guard the rest of their state.
 */
public final class Bounded {

    private Bounded() {
    }

    /** The {@code max} entries put last; the eldest put is dropped first. */
    public static <K, V> Map<K, V> map(int max) {
        return map(max, false, (k, v) -> {
        });
    }

    /** As {@link #map(int)}, telling {@code dropped} of each entry it drops. */
    public static <K, V> Map<K, V> map(int max, BiConsumer<K, V> dropped) {
        return map(max, false, dropped);
    }

    /** The {@code max} entries used last (read or put); the least recently used is dropped first. */
    public static <K, V> Map<K, V> leastRecentlyUsed(int max) {
        return map(max, true, (k, v) -> {
        });
    }

    /** The {@code max} elements added last. */
    public static <E> Set<E> set(int max) {
        return Collections.newSetFromMap(map(max));
    }

    private static <K, V> Map<K, V> map(int max, boolean accessOrder, BiConsumer<K, V> dropped) {
        return new LinkedHashMap<>(Math.min(max, 1024), 0.75f, accessOrder) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                if (size() <= max) {
                    return false;
                }
                dropped.accept(eldest.getKey(), eldest.getValue());
                return true;
            }
        };
    }
}
