package dev.stowage.log;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags the logstore needs on Java 17+ and the check that names any missing one at open,
 * instead of an {@link IllegalAccessError} deep inside Agrona on the first write.
 *
 * <p>Agrona's off-heap buffers reach {@code jdk.internal.misc.Unsafe}, which needs the package
 * exported to the code that loads Agrona. That is the whole set; nothing needs {@code --add-opens}.
 */
public final class JvmFlags {
    /** Every flag the logstore needs, as given on a {@code java} command line. */
    public static final List<String> REQUIRED = List.of("--add-exports java.base/jdk.internal.misc=ALL-UNNAMED");

    private JvmFlags() {
    }

    /** The required flags this JVM lacks; empty when all are present. */
    public static List<String> missing() {
        List<String> missing = new ArrayList<>();
        Module agrona = org.agrona.concurrent.UnsafeBuffer.class.getModule();
        if (!Object.class.getModule().isExported("jdk.internal.misc", agrona)) {
            String target = agrona.isNamed() ? agrona.getName() : "ALL-UNNAMED";
            missing.add("--add-exports java.base/jdk.internal.misc=" + target);
        }
        return missing;
    }

    /**
     * @throws dev.stowage.StorageException naming every missing flag (a store or follower cannot open)
     */
    public static void require() {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new dev.stowage.StorageException("the disk logstore needs these JVM flags on Java 17+: " + String.join(" ", missing)
                + " (add them to the java command line, JAVA_TOOL_OPTIONS, or Add-Exports in an executable jar's manifest)");
        }
    }
}
