/**
 * What every Osprey service shares: the Spring Boot, Spring gRPC (health, reflection), Actuator and
 * Prometheus stack, and the defaults in {@code osprey-service-defaults.properties}.
 *
 * <p>Services depend on this module and import the defaults with
 * {@code spring.config.import=classpath:osprey-service-defaults.properties}.
 */
package dev.osprey.service;
