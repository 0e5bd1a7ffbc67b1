package dev.osprey.deploy.k8s;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as JVM flags (3g, 512m) and Kubernetes quantities (20Gi, 1536Mi) write them. */
final class JvmMemory {

    private static final Pattern JVM_SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");
    private static final Pattern QUANTITY = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?");

    private JvmMemory() {
    }

    /** The size a flag such as -Xmx3g sets in {@code options}, or null when it is absent. */
    static Long flag(String options, String flag) {
        for (String option : options.split("\\s+")) {
            if (option.startsWith(flag)) {
                Matcher size = JVM_SIZE.matcher(option.substring(flag.length()));
                if (!size.matches()) {
                    throw new IllegalArgumentException("unreadable size in " + option);
                }
                long unit = switch (size.group(2).toLowerCase()) {
                    case "k" -> 1L << 10;
                    case "m" -> 1L << 20;
                    case "g" -> 1L << 30;
                    default -> 1L;
                };
                return Long.parseLong(size.group(1)) * unit;
            }
        }
        return null;
    }

    /** A memory quantity in bytes. */
    static long quantity(String quantity) {
        Matcher matcher = QUANTITY.matcher(quantity);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("unreadable quantity " + quantity);
        }
        long unit = switch (matcher.group(2) == null ? "" : matcher.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            case "T" -> 1_000_000_000_000L;
            default -> 1L;
        };
        return Long.parseLong(matcher.group(1)) * unit;
    }
}
