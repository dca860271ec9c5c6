package dev.stowage.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.stowage.Backend;
import dev.stowage.EntryInfo;
import dev.stowage.ListRequest;
import dev.stowage.Names;
import dev.stowage.NotFoundException;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Runs a seeded random sequence of writes, deletes, reads and listings against a backend and a
 * trivial model (a sorted map per space), failing at the first disagreement with the seed and the
 * step in the message. Rerun with {@code -Dstowage.seed=N} to reproduce.
 */
final class ModelCheck {
    private static final String[] NAMESPACES = {"m1", "m2"};
    private static final String[] KEYS = {"a", "a/b", "a/b/c", "ab", "b", "b/\u00e9", "c", "\uD83D\uDE00", "\uFFFD", "z/z"};
    private static final String SUPPLEMENTARY_KEY = "\uD83D\uDE00";
    private static final String[] PREFIXES = {"", "a", "a/", "a/b", "b", "\u00e9", "z/", "q"};

    private record Version(byte[] bytes, String etag) {
    }

    private final Backend backend;
    private final String[] keys;
    private final long seed;
    private final int steps;
    private final SplittableRandom random;
    private final Map<String, Map<SpaceOps, TreeMap<String, Version>>> model = new TreeMap<>();
    private final List<String> pastEtags = new ArrayList<>();
    private final StringBuilder trace = new StringBuilder();

    /** @param supplementaryKeys whether keys above U+FFFF take part (see {@code serverListsSupplementaryKeysInUtf8Order}) */
    ModelCheck(Backend backend, long seed, int steps, boolean supplementaryKeys) {
        this.backend = backend;
        this.keys = supplementaryKeys ? KEYS
            : java.util.Arrays.stream(KEYS).filter(k -> !k.equals(SUPPLEMENTARY_KEY)).toArray(String[]::new);
        this.seed = seed;
        this.steps = steps;
        this.random = new SplittableRandom(seed);
        for (String ns : NAMESPACES) {
            Map<SpaceOps, TreeMap<String, Version>> spaces = new EnumMap<>(SpaceOps.class);
            for (SpaceOps ops : SpaceOps.values()) {
                spaces.put(ops, new TreeMap<>(Names.KEY_ORDER));
            }
            model.put(ns, spaces);
        }
    }

    void run() {
        for (int step = 0; step < steps; step++) {
            String ns = NAMESPACES[random.nextInt(NAMESPACES.length)];
            SpaceOps ops = SpaceOps.values()[random.nextInt(SpaceOps.values().length)];
            TreeMap<String, Version> space = model.get(ns).get(ops);
            String key = keys[random.nextInt(keys.length)];
            int action = random.nextInt(10);
            try {
                if (action < 4) {
                    write(ops, ns, space, key, step);
                } else if (action < 6) {
                    delete(ops, ns, space, key, step);
                } else if (action < 8 || !ops.listable()) {
                    read(ops, ns, space, key, step);
                } else {
                    list(ops, ns, space, step);
                }
            } catch (AssertionError e) {
                throw new AssertionError(context(step) + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new AssertionError(context(step) + ": unexpected " + e, e);
            }
        }
    }

    private String context(int step) {
        return "model check failed (seed " + seed + ", rerun with -Dstowage.seed=" + seed + ") at step " + step
            + "; last steps:\n" + trace.substring(Math.max(0, trace.length() - 2000));
    }

    private Precondition randomPrecondition(Version current) {
        switch (random.nextInt(4)) {
            case 0:
                return Precondition.any();
            case 1:
                return Precondition.mustNotExist();
            case 2:
                return current != null ? Precondition.ifMatch(current.etag) : staleOrMade();
            default:
                return staleOrMade();
        }
    }

    private Precondition staleOrMade() {
        return pastEtags.isEmpty() ? Precondition.ifMatch("never-issued")
            : Precondition.ifMatch(pastEtags.get(random.nextInt(pastEtags.size())));
    }

    private void write(SpaceOps ops, String ns, TreeMap<String, Version> space, String key, int step) {
        Version current = space.get(key);
        Precondition p = randomPrecondition(current);
        byte[] value = new byte[random.nextInt(64)];
        random.nextBytes(value);
        boolean expectOk = p.isSatisfiedBy(current == null ? null : current.etag);
        trace.append(step).append(": write ").append(ops).append(' ').append(ns).append('/').append(key)
            .append(' ').append(p).append(" expect ").append(expectOk ? "ok" : "412").append('\n');
        try {
            String etag = ops.write(backend, ns, key, value, p);
            if (!expectOk) {
                fail("write succeeded although " + p + " does not hold for " + current);
            }
            assertThat(pastEtags).as("new ETag is fresh").doesNotContain(etag);
            pastEtags.add(etag);
            space.put(key, new Version(value, etag));
        } catch (PreconditionFailedException e) {
            if (expectOk) {
                fail("write failed although " + p + " holds: " + e.getMessage());
            }
        }
    }

    private void delete(SpaceOps ops, String ns, TreeMap<String, Version> space, String key, int step) {
        Version current = space.get(key);
        Precondition p = randomPrecondition(current);
        boolean expectOk = p.isSatisfiedBy(current == null ? null : current.etag);
        trace.append(step).append(": delete ").append(ops).append(' ').append(ns).append('/').append(key)
            .append(' ').append(p).append(" expect ").append(expectOk ? "ok" : "412").append('\n');
        try {
            ops.delete(backend, ns, key, p);
            if (!expectOk) {
                fail("delete succeeded although " + p + " does not hold");
            }
            space.remove(key);
        } catch (PreconditionFailedException e) {
            if (expectOk) {
                fail("delete failed although " + p + " holds: " + e.getMessage());
            }
        }
    }

    private void read(SpaceOps ops, String ns, TreeMap<String, Version> space, String key, int step) {
        Version current = space.get(key);
        trace.append(step).append(": read ").append(ops).append(' ').append(ns).append('/').append(key).append('\n');
        try {
            SpaceOps.Versioned read = ops.read(backend, ns, key);
            if (current == null) {
                fail("read found " + read.etag() + " but the model has no entry");
            }
            assertThat(read.etag()).isEqualTo(current.etag);
            assertThat(read.bytes()).isEqualTo(current.bytes);
        } catch (NotFoundException e) {
            if (current != null) {
                fail("read found nothing but the model has " + current.etag);
            }
        }
    }

    private void list(SpaceOps ops, String ns, TreeMap<String, Version> space, int step) {
        String prefix = PREFIXES[random.nextInt(PREFIXES.length)];
        int limit = 1 + random.nextInt(4);
        String startAfter = random.nextBoolean() ? null : keys[random.nextInt(keys.length)];
        trace.append(step).append(": list ").append(ops).append(' ').append(ns).append(" prefix=").append(prefix)
            .append(" after=").append(startAfter).append(" limit=").append(limit).append('\n');
        ListRequest request = new ListRequest(prefix, startAfter, limit);
        List<String> expected = new ArrayList<>();
        for (Map.Entry<String, Version> e : space.entrySet()) {
            if (request.admits(e.getKey())) {
                expected.add(e.getKey());
            }
        }
        Page<EntryInfo> page = ops.list(backend, ns, request);
        List<String> got = page.items().stream().map(EntryInfo::key).toList();
        assertThat(got).containsExactlyElementsOf(expected.subList(0, Math.min(limit, expected.size())));
        for (EntryInfo info : page.items()) {
            Version v = space.get(info.key());
            assertThat(info.etag()).isEqualTo(v.etag);
            assertThat(info.size()).isEqualTo(v.bytes.length);
        }
        if (expected.size() > limit) {
            assertThat(page.truncated()).isTrue();
        }
        if (page.truncated()) {
            assertThat(page.nextStartAfter()).isEqualTo(got.get(got.size() - 1));
        }
    }
}
