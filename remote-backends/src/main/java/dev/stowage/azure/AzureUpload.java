package dev.stowage.azure;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.stowage.Precondition;
import dev.stowage.remote.ChunkedBodyWriter;
import dev.stowage.remote.RemoteEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One conditional write to a block blob for {@link ChunkedBodyWriter}: a single Put Blob, or
 * staged blocks committed by Put Block List under the precondition. Blocks of a failed write are
 * never committed; the service discards uncommitted blocks (after a week at most, or at the next
 * commit of that blob), so there is nothing to abort.
 *
 * <p>Not thread-safe: one per write.
 */
final class AzureUpload implements ChunkedBodyWriter.Sink {
    private final BlockBlobClient blob;
    private final RemoteEntry entry;
    private final BlobHttpHeaders headers;
    private final Map<String, String> metadata;
    private final Precondition precondition;
    private final Duration timeout;
    private final List<String> blockIds = new ArrayList<>();

    AzureUpload(BlockBlobClient blob, RemoteEntry entry, String contentType, Map<String, String> metadata,
                Precondition precondition, Duration timeout) {
        this.blob = blob;
        this.entry = entry;
        this.headers = new BlobHttpHeaders().setContentType(contentType);
        this.metadata = metadata;
        this.precondition = precondition;
        this.timeout = timeout;
    }

    /** The precondition as request conditions: {@code If-None-Match: *} or {@code If-Match: etag}. */
    static BlobRequestConditions conditions(Precondition precondition) {
        BlobRequestConditions conditions = new BlobRequestConditions();
        if (precondition.kind() == Precondition.Kind.MUST_NOT_EXIST) {
            conditions.setIfNoneMatch("*");
        } else if (precondition.kind() == Precondition.Kind.IF_MATCH) {
            conditions.setIfMatch(precondition.etag());
        }
        return conditions;
    }

    @Override
    public String putWhole(byte[] data, int length) {
        try {
            return blob.uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(ChunkedBodyWriter.exactly(data, length)))
                .setHeaders(headers).setMetadata(metadata).setRequestConditions(conditions(precondition)), timeout, Context.NONE)
                .getValue().getETag();
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, entry, precondition);
        }
    }

    @Override
    public void beginChunks() {
    }

    @Override
    public void putChunk(int number, byte[] data, int length) {
        // Block ids of one blob must all have the same length.
        String id = Base64.getEncoder().encodeToString(String.format("block-%08d", number).getBytes(StandardCharsets.US_ASCII));
        try {
            blob.stageBlockWithResponse(new BlockBlobStageBlockOptions(id, BinaryData.fromBytes(ChunkedBodyWriter.exactly(data, length))),
                timeout, Context.NONE);
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, entry, null);
        }
        blockIds.add(id);
    }

    @Override
    public String completeChunks() {
        try {
            return blob.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(blockIds).setHeaders(headers)
                .setMetadata(metadata).setRequestConditions(conditions(precondition)), timeout, Context.NONE).getValue().getETag();
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, entry, precondition);
        }
    }

    @Override
    public void abandonChunks() {
    }
}
