package dev.stowage.s3;

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
 * @param objectKey the S3 object key ({@link S3Layout})
 */
record S3Entry(Space space, String namespace, String key, String objectKey) {
    PreconditionFailedException preconditionFailed(Precondition precondition) {
        return new PreconditionFailedException(namespace, key, precondition, null);
    }

    NotFoundException notFound() {
        return new NotFoundException(space, namespace, key);
    }

    @Override
    public String toString() {
        return space.label() + " " + namespace + "/" + key;
    }
}
