package dev.osprey.encoder;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** encoder-service: decodes and preprocesses images, runs the vision tower, caches features by image. */
@SpringBootApplication
public class EncoderApplication {

    public static void main(String[] args) {
        SpringApplication.run(EncoderApplication.class, args);
    }
}
