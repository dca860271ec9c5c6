package dev.stowage;

/** Every call of {@link Backend}, named for wrappers that act per call (retry, observability). */
public enum Operation {
    READ_META(false),
    STORE_META(true),
    DELETE_META(true),
    LIST_META(false),
    READ_STATE(false),
    WRITE_STATE(true),
    REMOVE_STATE(true),
    GET_OBJECT(false),
    HEAD_OBJECT(false),
    PUT_OBJECT(true),
    DELETE_OBJECT(true),
    COPY_OBJECT(true),
    LIST_OBJECTS(false),
    LIST_NAMESPACES(false),
    SUBSCRIBE(false),
    STAGE(true),
    LOAD_STAGED(false),
    PROMOTE(true),
    DISCARD(true),
    LIST_STAGED(false);

    private final boolean mutating;

    Operation(boolean mutating) {
        this.mutating = mutating;
    }

    /** Whether the call changes stored data (and therefore takes a {@link Precondition}). */
    public boolean mutating() {
        return mutating;
    }
}
