package dev.stowage;

/**
 * Receives committed changes of one namespace and key prefix, in commit order, on a thread owned
 * by the subscription (never the writer's). A listener that falls behind by more than its
 * subscription's queue capacity loses events: it is told so by {@link #onGap(long)} and can
 * resynchronise by re-reading state.
 */
public interface ChangeListener {
    /** A committed change. Exceptions thrown here are logged and otherwise ignored. */
    void onChange(ChangeEvent event);

    /**
     * Events after {@code lastDeliveredSequence} were dropped because this listener fell behind;
     * delivery resumes with newer events. The default does nothing.
     *
     * @param lastDeliveredSequence sequence of the last event delivered before the gap, or
     *                              {@code -1} if none had been
     */
    default void onGap(long lastDeliveredSequence) {
    }
}
