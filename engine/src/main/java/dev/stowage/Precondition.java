package dev.stowage;

import java.util.Objects;

/**
 * The condition a mutation requires of the entry's current state. Every mutating call takes one
 * explicitly; there is no implicit default and no magic value.
 *
 * <ul>
 *   <li>{@link #any()}: no condition (last writer wins).</li>
 *   <li>{@link #mustNotExist()}: the entry must be absent (create-only).</li>
 *   <li>{@link #ifMatch(String)}: the entry must exist with exactly this ETag.</li>
 * </ul>
 *
 * <p>A delete under {@code mustNotExist()} of an absent entry succeeds as a no-op; a delete under
 * {@code any()} of an absent entry succeeds as a no-op on every backend.
 *
 * <p>Immutable; thread-safe.
 */
public final class Precondition {
    /** What the precondition requires. */
    public enum Kind { ANY, MUST_NOT_EXIST, IF_MATCH }

    private static final Precondition ANY = new Precondition(Kind.ANY, null);
    private static final Precondition MUST_NOT_EXIST = new Precondition(Kind.MUST_NOT_EXIST, null);

    private final Kind kind;
    private final String etag;

    private Precondition(Kind kind, String etag) {
        this.kind = kind;
        this.etag = etag;
    }

    /** No condition. */
    public static Precondition any() {
        return ANY;
    }

    /** The entry must not exist. */
    public static Precondition mustNotExist() {
        return MUST_NOT_EXIST;
    }

    /**
     * The entry must exist and its current ETag must equal {@code etag}.
     *
     * @throws InvalidRequestException if {@code etag} is null or empty
     */
    public static Precondition ifMatch(String etag) {
        if (etag == null || etag.isEmpty()) {
            throw new InvalidRequestException("ifMatch needs a non-empty ETag");
        }
        return new Precondition(Kind.IF_MATCH, etag);
    }

    /**
     * Every mutation's check that a precondition was given at all.
     *
     * @return {@code precondition}
     * @throws InvalidRequestException if it is {@code null}
     */
    public static Precondition required(Precondition precondition) {
        if (precondition == null) {
            throw new InvalidRequestException("precondition must not be null; use Precondition.any()");
        }
        return precondition;
    }

    public Kind kind() {
        return kind;
    }

    /** The ETag of an {@code ifMatch} precondition, otherwise {@code null}. */
    public String etag() {
        return etag;
    }

    /**
     * Whether this precondition holds for an entry whose current ETag is {@code currentEtag}
     * ({@code null} when the entry is absent).
     */
    public boolean isSatisfiedBy(String currentEtag) {
        switch (kind) {
            case ANY:
                return true;
            case MUST_NOT_EXIST:
                return currentEtag == null;
            default:
                return etag.equals(currentEtag);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Precondition && ((Precondition) o).kind == kind && Objects.equals(((Precondition) o).etag, etag);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Objects.hashCode(etag);
    }

    @Override
    public String toString() {
        switch (kind) {
            case ANY:
                return "any()";
            case MUST_NOT_EXIST:
                return "mustNotExist()";
            default:
                return "ifMatch(" + etag + ")";
        }
    }
}
