package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.LeakCheckingTest;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValueViewTest extends LeakCheckingTest {
    private static final String NS = "view";

    @TempDir
    Path dir;

    @Test
    void viewsShowTheCommittedBytesInPlaceAndOutliveTheStoreUntilClosed() {
        byte[] state = new byte[5000];
        byte[] object = new byte[300];
        new SplittableRandom(1).nextBytes(state);
        new SplittableRandom(2).nextBytes(object);
        ValueView outliving;
        try (LogStore store = LogStore.builder(dir).open()) {
            String stateEtag = store.writeState(NS, "s", ReplayableBody.ofBytes(state), Precondition.any());
            String objectEtag = store.putObject(NS, "o", ReplayableBody.ofBytes(object), ObjectAttributes.DEFAULT, Precondition.any());
            try (ValueView view = store.viewState(NS, "s")) {
                ByteBuffer b = view.buffer();
                assertThat(b.isDirect()).isTrue();
                assertThat(b.isReadOnly()).isTrue();
                assertThat(view.etag()).isEqualTo(stateEtag);
                byte[] read = new byte[view.size()];
                b.get(read);
                assertThat(read).isEqualTo(state);
            }
            outliving = store.viewObject(NS, "o");
            assertThat(outliving.etag()).isEqualTo(objectEtag);
            assertThatThrownBy(() -> store.viewObject(NS, "absent")).isInstanceOf(NotFoundException.class);
        }
        // The store is closed; the view still holds its segment mapped.
        byte[] read = new byte[outliving.size()];
        outliving.buffer().get(read);
        assertThat(read).isEqualTo(object);
        outliving.close();
        assertThatThrownBy(outliving::buffer).isInstanceOf(IllegalStateException.class);
    }
}
