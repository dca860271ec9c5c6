package dev.stowage.bench;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.crypto.EncryptingBackend;
import dev.stowage.crypto.KeyRing;
import dev.stowage.crypto.RootKey;
import dev.stowage.log.Durability;
import dev.stowage.log.LogStore;
import dev.stowage.log.ValueView;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.stream.Stream;
import net.openhft.chronicle.map.ChronicleMap;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * The engines compared, each opened in a fresh temporary directory in its own durable or buffered
 * mode: Stowage {@code SYNC} / {@code NONE}; RocksDB {@code sync=true} / {@code sync=false} (WAL on
 * in both); LMDB default (sync on every commit) / {@code MDB_NOSYNC}; Chronicle Map buffered only
 * (a persisted map written through its mapping, never synced).
 *
 * <p>JVM flags: Stowage's forks get {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}
 * (Agrona), LMDB's get lmdbjava's {@code --add-opens}, Chronicle Map's {@link #CHRONICLE_FLAGS};
 * each only in its own fork configuration.
 */
final class Engines {
    static final String NS = "bench";
    /** Largest value {@link #diskFloor} takes. */
    static final int FLOOR_MAX_VALUE = 1 << 20;
    /** Size of {@link #diskFloor}'s file, written around. */
    static final long FLOOR_FILE_SIZE = 1L << 30;
    /** Block alignment of {@link #diskFloor}'s writes and buffer ({@code O_DIRECT} needs it). */
    static final int FLOOR_ALIGNMENT = 4096;

    private Engines() {
    }

    static Path scratch(String name) throws Exception {
        return Files.createTempDirectory("stowage-bench-" + name + "-");
    }

    static void delete(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static Kv stowage(Path dir, boolean durable) {
        return new StowageKv(logStore(dir, durable).open());
    }

    /** A builder of the logstore in {@code dir}, durable ({@code SYNC}) or buffered ({@code NONE}), otherwise default. */
    static LogStore.Builder logStore(Path dir, boolean durable) {
        return LogStore.builder(dir).durability(durable ? Durability.sync() : Durability.none());
    }

    /** Stowage's logstore read through its zero-copy view ({@code viewObject}) instead of a stream. */
    static Kv stowageZeroCopy(Path dir, boolean durable) {
        LogStore logStore = logStore(dir, durable).open();
        return new StowageKv(logStore) {
            @Override
            public int get(String key) {
                try (ValueView view = logStore.viewObject(NS, key)) {
                    return view.size();
                } catch (NotFoundException e) {
                    return -1;
                }
            }
        };
    }

    /** Stowage's logstore under transparent encryption, with a random root key. */
    static Kv encryptedStowage(Path dir, boolean durable) {
        return new StowageKv(EncryptingBackend.builder(logStore(dir, durable).open()).keyProvider(randomKeyRing()).build());
    }

    static KeyRing randomKeyRing() {
        byte[] key = new byte[RootKey.KEY_LENGTH];
        new SecureRandom().nextBytes(key);
        return KeyRing.of(RootKey.of("bench", key));
    }

    static class StowageKv implements Kv {
        final Backend store;

        StowageKv(Backend store) {
            this.store = store;
        }

        @Override
        public void put(String key, byte[] value) {
            store.putObject(NS, key, ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT, Precondition.any());
        }

        @Override
        public int get(String key) {
            try (Content c = store.getObject(NS, key)) {
                return (int) c.size();
            } catch (NotFoundException e) {
                return -1;
            }
        }

        @Override
        public void close() {
            store.close();
        }
    }

    static Kv rocksdb(Path dir, boolean durable) throws RocksDBException {
        RocksDB.loadLibrary();
        Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, dir.toString());
        WriteOptions write = new WriteOptions().setSync(durable);
        return new Kv() {
            @Override
            public void put(String key, byte[] value) {
                try {
                    db.put(write, key.getBytes(StandardCharsets.UTF_8), value);
                } catch (RocksDBException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public int get(String key) {
                try {
                    byte[] v = db.get(key.getBytes(StandardCharsets.UTF_8));
                    return v == null ? -1 : v.length;
                } catch (RocksDBException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void close() {
                write.close();
                db.close();
                options.close();
            }
        };
    }

    static Kv lmdb(Path dir, boolean durable) {
        Env<ByteBuffer> env = durable
            ? Env.create().setMapSize(16L << 30).setMaxDbs(1).setMaxReaders(256).open(dir.toFile())
            : Env.create().setMapSize(16L << 30).setMaxDbs(1).setMaxReaders(256).open(dir.toFile(), EnvFlags.MDB_NOSYNC);
        Dbi<ByteBuffer> db = env.openDbi(NS, DbiFlags.MDB_CREATE);
        return new Kv() {
            @Override
            public void put(String key, byte[] value) {
                ByteBuffer k = ByteBuffer.allocateDirect(511).put(key.getBytes(StandardCharsets.UTF_8)).flip();
                ByteBuffer v = ByteBuffer.allocateDirect(value.length).put(value).flip();
                db.put(k, v);
            }

            @Override
            public int get(String key) {
                ByteBuffer k = ByteBuffer.allocateDirect(511).put(key.getBytes(StandardCharsets.UTF_8)).flip();
                try (Txn<ByteBuffer> txn = env.txnRead()) {
                    ByteBuffer v = db.get(txn, k);
                    return v == null ? -1 : v.remaining();
                }
            }

            @Override
            public void close() {
                db.close();
                env.close();
            }
        };
    }

    /**
     * Chronicle Map (3.26) persisted to a file in {@code dir}, sized for {@code entries} keys like
     * {@link EngineBenchmark#key} with 1 KiB values. Buffered only: its puts reach the file through
     * the page cache and nothing syncs them, so there is no durable put to compare.
     *
     * <p>Its forks need, on Java 17 and 25, {@code --add-opens} of {@code java.base/java.lang} and
     * {@code java.lang.reflect}, {@code --add-exports} of {@code java.base/sun.nio.ch},
     * {@code java.base/jdk.internal.ref} (its buffer cleaner) and
     * {@code jdk.compiler/com.sun.tools.javac.file} (the code it generates at runtime): the fewest
     * with which a map opened here without a warning of its own (JDK 25 still warns that its
     * {@code jffi} uses {@code sun.misc.Unsafe}); and {@code -Dchronicle.analytics.disable=true},
     * so that no usage statistics are sent.
     */
    static Kv chronicleMap(Path dir, boolean durable, int entries) throws IOException {
        if (durable) {
            throw new IllegalArgumentException("Chronicle Map has no durable put (nothing syncs its mapping): add -p durable=false");
        }
        ChronicleMap<CharSequence, byte[]> map = ChronicleMap.of(CharSequence.class, byte[].class)
            .name(NS).entries(entries).averageKey(EngineBenchmark.key(entries / 2)).averageValueSize(1024)
            .createPersistedTo(dir.resolve("map.dat").toFile());
        return new Kv() {
            @Override
            public void put(String key, byte[] value) {
                map.put(key, value);
            }

            @Override
            public int get(String key) {
                byte[] v = map.get(key);
                return v == null ? -1 : v.length;
            }

            @Override
            public void close() {
                map.close();
            }
        };
    }

    /**
     * No engine, the disk's own rate for durable puts (puts only): each value is written at the
     * next position of a 1 GiB file written whole and synced at open (so no put allocates blocks)
     * and synced with {@code fdatasync}; through the page cache, or with {@code O_DIRECT}. Values
     * up to {@link #FLOOR_MAX_VALUE} bytes.
     */
    static Kv diskFloor(Path dir, boolean direct) throws IOException {
        Path file = dir.resolve("floor");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(FLOOR_MAX_VALUE);
            for (long position = 0; position < FLOOR_FILE_SIZE; position += FLOOR_MAX_VALUE) {
                channel.write(zeros.clear(), position);
            }
            channel.force(true);
        }
        OpenOption[] options = direct
            ? new OpenOption[] {StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT}
            : new OpenOption[] {StandardOpenOption.WRITE};
        FileChannel channel = FileChannel.open(file, options);
        ByteBuffer buffer = ByteBuffer.allocateDirect(FLOOR_MAX_VALUE + FLOOR_ALIGNMENT).alignedSlice(FLOOR_ALIGNMENT);
        return new Kv() {
            private long position;

            @Override
            public synchronized void put(String key, byte[] value) {
                // O_DIRECT writes whole aligned blocks; the ring advances by the same rounding either way.
                int length = (value.length + FLOOR_ALIGNMENT - 1) & -FLOOR_ALIGNMENT;
                buffer.clear().put(value).position(0).limit(length);
                try {
                    if (position + length > FLOOR_FILE_SIZE) {
                        position = 0;
                    }
                    for (long at = position; buffer.hasRemaining(); ) {
                        at += channel.write(buffer, at);
                    }
                    channel.force(false);
                    position += length;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public int get(String key) {
                throw new UnsupportedOperationException("the disk floor measures puts only");
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
