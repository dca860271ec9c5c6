package dev.stowage.remote;

import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.Space;

/**
 * One entry of the contract and the object that stores it.
 *
 * @param space     meta, state or object
 * @param namespace the contract namespace
 * @param key       the contract key
 * @param objectKey the object or blob name ({@link KeyLayout})
 */
public record RemoteEntry(Space space, String namespace, String key, String objectKey) {
    public PreconditionFailedException preconditionFailed(Precondition precondition) {
        return new PreconditionFailedException(namespace, key, precondition, null);
    }

    public NotFoundException notFound() {
        return new NotFoundException(space, namespace, key);
    }

    @Override
    public String toString() {
        return space.label() + " " + namespace + "/" + key;
    }
}
