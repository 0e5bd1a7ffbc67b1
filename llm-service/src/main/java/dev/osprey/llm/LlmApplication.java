package dev.osprey.llm;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** llm-service: region and image tokens + a question → streamed answers ({@code osprey.internal.v1.Llm}). */
@SpringBootApplication
public class LlmApplication {

    public static void main(String[] args) {
        SpringApplication.run(LlmApplication.class, args);
    }
}
