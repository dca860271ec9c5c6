package dev.stowage.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Which filesystem a path lives on, from the kernel's mount table ({@code /proc/self/mountinfo}):
 * the mount whose mount point is the longest prefix of the path's real location.
 *
 * <p>Stateless; thread-safe.
 */
final class MountTable {
    /** Filesystem types that get the NFS mode when {@link LogStore.Builder#nfs} is {@code AUTO}. */
    static final Set<String> NFS_TYPES = Set.of("nfs", "nfs4");
    static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountTable() {
    }

    /** The filesystem type of {@code path} (which must exist), or {@code null} if the mount table cannot be read. */
    static String filesystemType(Path path) throws IOException {
        if (!Files.isReadable(MOUNTINFO)) {
            return null;
        }
        return filesystemType(Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8), path.toRealPath().toString());
    }

    /**
     * The type of the mount holding {@code realPath} among {@code mountinfo} lines
     * ({@code id parent major:minor root mountpoint options [optional...] - type source superoptions}).
     */
    static String filesystemType(List<String> mountinfo, String realPath) {
        String bestType = null;
        int bestLength = -1;
        for (String line : mountinfo) {
            String[] fields = line.split(" ");
            int separator = List.of(fields).indexOf("-");
            if (fields.length < 5 || separator < 0 || separator + 1 >= fields.length) {
                continue;
            }
            String mountPoint = unescape(fields[4]);
            if (contains(mountPoint, realPath) && mountPoint.length() >= bestLength) {
                bestLength = mountPoint.length();
                bestType = fields[separator + 1];
            }
        }
        return bestType;
    }

    private static boolean contains(String mountPoint, String path) {
        return mountPoint.equals("/") || path.equals(mountPoint) || path.startsWith(mountPoint + "/");
    }

    /** Mount points escape space, tab, newline and backslash as octal ({@code \040}). */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
