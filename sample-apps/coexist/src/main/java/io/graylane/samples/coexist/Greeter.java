package io.graylane.samples.coexist;

/** A plain class the application proxies with its own Byte Buddy at start-up, the way Hibernate proxies entities. */
public class Greeter {

    public String greet(String name) {
        return "hello " + name;
    }
}
