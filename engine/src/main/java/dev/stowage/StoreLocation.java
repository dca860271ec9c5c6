package dev.stowage;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed store URL: scheme, authority, path and the query parameters as options. Options are
 * read through the typed accessors, which fail with {@link InvalidRequestException} naming the
 * option and the expected form.
 *
 * <p>Immutable; thread-safe.
 */
public final class StoreLocation {
    private final URI uri;
    private final Map<String, String> options;

    private StoreLocation(URI uri, Map<String, String> options) {
        this.uri = uri;
        this.options = Collections.unmodifiableMap(options);
    }

    /**
     * Parses a store URL; a repeated option is an error.
     *
     * @throws InvalidRequestException if the URL has no scheme or a malformed query
     */
    public static StoreLocation parse(URI uri) {
        Objects.requireNonNull(uri, "uri");
        if (uri.getScheme() == null) {
            throw new InvalidRequestException("store URL " + uri + " has no scheme");
        }
        Map<String, String> options = new LinkedHashMap<>();
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (options.putIfAbsent(name, value) != null) {
                    throw new InvalidRequestException("store URL option '" + name + "' is given twice");
                }
            }
        }
        return new StoreLocation(uri, options);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("malformed escape in store URL query: " + s, e);
        }
    }

    public URI uri() {
        return uri;
    }

    public String scheme() {
        return uri.getScheme();
    }

    /** Every option given, in URL order. */
    public Map<String, String> options() {
        return options;
    }

    public boolean has(String option) {
        return options.containsKey(option);
    }

    /** The option's value, or {@code defaultValue} if absent. */
    public String string(String option, String defaultValue) {
        return options.getOrDefault(option, defaultValue);
    }

    /**
     * A switch: absent is {@code defaultValue}; present with no value, {@code true}, {@code 1}
     * or {@code yes} is on; {@code false}, {@code 0} or {@code no} is off.
     */
    public boolean flag(String option, boolean defaultValue) {
        String v = options.get(option);
        if (v == null) {
            return defaultValue;
        }
        switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "":
            case "true":
            case "1":
            case "yes":
                return true;
            case "false":
            case "0":
            case "no":
                return false;
            default:
                throw new InvalidRequestException("option '" + option + "' must be true or false, not '" + v + "'");
        }
    }

    /**
     * One constant of {@code defaultValue}'s enum, named in any case, or {@code defaultValue} if
     * absent; anything else is refused with the names allowed.
     */
    public <E extends Enum<E>> E choice(String option, E defaultValue) {
        String v = options.get(option);
        if (v == null) {
            return defaultValue;
        }
        E[] constants = defaultValue.getDeclaringClass().getEnumConstants();
        for (E constant : constants) {
            if (constant.name().equalsIgnoreCase(v)) {
                return constant;
            }
        }
        List<String> names = Arrays.stream(constants).map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList();
        throw new InvalidRequestException("option '" + option + "' must be " + String.join(", ", names.subList(0, names.size() - 1))
            + " or " + names.get(names.size() - 1) + ", not '" + v + "'");
    }

    /** A whole number within {@code [min, max]}, or {@code defaultValue} if absent. */
    public long number(String option, long defaultValue, long min, long max) {
        String v = options.get(option);
        if (v == null) {
            return defaultValue;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("option '" + option + "' must be a whole number, not '" + v + "'");
        }
        if (n < min || n > max) {
            throw new InvalidRequestException("option '" + option + "' = " + n + " outside " + min + ".." + max);
        }
        return n;
    }

    /**
     * A duration written as {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h} or ISO-8601
     * ({@code PT2S}), or {@code defaultValue} if absent. Must not be negative.
     */
    public Duration duration(String option, Duration defaultValue) {
        String v = options.get(option);
        if (v == null) {
            return defaultValue;
        }
        Duration d = parseDuration(option, v.trim());
        if (d.isNegative()) {
            throw new InvalidRequestException("option '" + option + "' must not be negative: " + v);
        }
        return d;
    }

    /**
     * Parses a duration in the forms {@link #duration} accepts.
     *
     * @param option named in the error message
     * @throws InvalidRequestException naming the accepted forms
     */
    public static Duration parseDuration(String option, String v) {
        try {
            if (v.startsWith("P") || v.startsWith("p")) {
                return Duration.parse(v);
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long amount = Long.parseLong(v.substring(0, v.length() - 1));
            switch (v.charAt(v.length() - 1)) {
                case 's':
                    return Duration.ofSeconds(amount);
                case 'm':
                    return Duration.ofMinutes(amount);
                case 'h':
                    return Duration.ofHours(amount);
                default:
                    break;
            }
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            // reported below with the accepted forms
        }
        throw new InvalidRequestException("option '" + option + "' must be a duration such as 250ms, 2s, 5m, 1h or PT2S, not '"
            + v + "'");
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}
