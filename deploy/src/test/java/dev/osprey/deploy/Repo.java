package dev.osprey.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** The repository under test and facts its build and services state (ports, version). */
public final class Repo {

    private Repo() {
    }

    /** The repository root (surefire passes it; a test run from deploy/ falls back to its parent). */
    public static Path root() {
        String root = System.getProperty("osprey.root");
        return (root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent()).normalize();
    }

    /** A folder under target/ for what tests write. */
    public static Path work(String name) {
        String work = System.getProperty("osprey.work", root().resolve("deploy/target").toString());
        Path dir = Path.of(work).resolve(name);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The project's version, the tag every image reference defaults to. */
    public static String version() {
        return System.getProperty("osprey.version", "0.1.0-SNAPSHOT");
    }

    /** A service module's application.properties, with the shared service defaults under them. */
    public static Properties serviceProperties(String service) {
        Properties properties = new Properties();
        load(properties, root().resolve("service-support/src/main/resources/osprey-service-defaults.properties"));
        load(properties, root().resolve(service + "/src/main/resources/application.properties"));
        return properties;
    }

    /** A service's HTTP port (REST; Actuator too, unless it has a management port). */
    public static int httpPort(String service) {
        return Integer.parseInt(serviceProperties(service).getProperty("server.port"));
    }

    /** A service's Actuator port (health, Prometheus): its management port if it has one, else its HTTP port. */
    public static int actuatorPort(String service) {
        Properties properties = serviceProperties(service);
        return Integer.parseInt(properties.getProperty("management.server.port", properties.getProperty("server.port")));
    }

    /** A service's gRPC port. */
    public static int grpcPort(String service) {
        return Integer.parseInt(serviceProperties(service).getProperty("spring.grpc.server.port"));
    }

    /** A Spring duration written in seconds or minutes ("60s", "2m") as seconds. */
    public static long seconds(String duration) {
        var matcher = java.util.regex.Pattern.compile("(\\d+)([sm])").matcher(duration.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a duration in s or m: " + duration);
        }
        return Long.parseLong(matcher.group(1)) * (matcher.group(2).equals("m") ? 60 : 1);
    }

    private static void load(Properties properties, Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
