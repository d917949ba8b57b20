package io.graylane.samples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.support.SpringBootServletInitializer;

/** Runs as an executable jar ({@link #main}) or as a WAR in a servlet container ({@link #configure}). */
@SpringBootApplication
public class SpringSampleApp extends SpringBootServletInitializer {

    public static void main(String[] args) {
        SpringApplication.run(SpringSampleApp.class, args);
    }

    @Override
    protected SpringApplicationBuilder configure(SpringApplicationBuilder builder) {
        return builder.sources(SpringSampleApp.class);
    }
}
