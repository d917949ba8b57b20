package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A standalone Tomcat from the distribution (CATALINA_HOME, unpacked by the build) with a fresh CATALINA_BASE per
 * instance: a loopback-only HTTP connector on a port of our choosing, no shutdown port, the WARs given deployed from
 * its appBase as Tomcat deploys them in production, and the manager application's text interface for a user
 * {@link #MANAGER_USER}. Started like {@code catalina.sh run} starts it (its JVM options, class path and main class),
 * in an {@link AgentJvm}: ready once Tomcat logs that it started, which it does after every application is deployed.
 */
final class StandaloneTomcat {

    /** What Catalina logs once the server, with every application deployed, has started. */
    static final String READY = "Server startup in";

    private static final String MANAGER_USER = "graylane-it";
    private static final String MANAGER_PASSWORD = "graylane-it-password";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** What catalina.sh adds on Java 9+, so that Tomcat's leak prevention can reach into the JDK as it does in production. */
    private static final String[] CATALINA_SH_OPENS = {
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED"};

    private final Map<String, Path> wars = new LinkedHashMap<>();

    /** Deploys {@code war} at context path {@code /name} (as {@code webapps/name.war}). */
    StandaloneTomcat war(String name, Path war) {
        wars.put(name, war);
        return this;
    }

    /** A fresh CATALINA_BASE with the WARs, and the builder of the JVM that runs Tomcat on it. */
    AgentJvm.Builder builder(String name) {
        Path home = Artifacts.tomcatHome();
        Path base = Artifacts.logDir().resolveSibling("tomcat-bases").resolve(name + "-" + SEQUENCE.incrementAndGet());
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name,
                List.of(home.resolve("bin/bootstrap.jar"), home.resolve("bin/tomcat-juli.jar")),
                "org.apache.catalina.startup.Bootstrap");
        try {
            createBase(home, base, builder.port());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create CATALINA_BASE " + base, e);
        }
        return builder
                .jvmOptions(CATALINA_SH_OPENS)
                .systemProperty("java.util.logging.config.file", base.resolve("conf/logging.properties").toString())
                .systemProperty("java.util.logging.manager", "org.apache.juli.ClassLoaderLogManager")
                .systemProperty("catalina.home", home.toString())
                .systemProperty("catalina.base", base.toString())
                .systemProperty("java.io.tmpdir", base.resolve("temp").toString())
                .args("start")
                .readyWhenLogShows(READY);
    }

    /**
     * GET {@code /manager/text/COMMAND?QUERY} on {@code tomcat} as the manager user; the answer's first line starts
     * with OK or FAIL.
     */
    static Http.Response manager(AgentJvm tomcat, String commandAndQuery) {
        String credentials = Base64.getEncoder().encodeToString(
                (MANAGER_USER + ":" + MANAGER_PASSWORD).getBytes(StandardCharsets.UTF_8));
        Http.Response response = Http.get(tomcat.url("/manager/text/" + commandAndQuery),
                "Authorization", "Basic " + credentials);
        assertEquals(200, response.status(), () -> "the manager application answered " + response);
        return response;
    }

    private void createBase(Path home, Path base, int port) throws IOException {
        if (Files.exists(base)) {
            // left by an earlier run of the tests: start from nothing
            try (Stream<Path> old = Files.walk(base)) {
                for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        for (String dir : new String[] {"conf/Catalina/localhost", "logs", "temp", "webapps", "work"}) {
            Files.createDirectories(base.resolve(dir));
        }
        for (String file : new String[] {"catalina.properties", "context.xml", "logging.properties", "web.xml"}) {
            Files.copy(home.resolve("conf").resolve(file), base.resolve("conf").resolve(file),
                    StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(base.resolve("conf/server.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <Server port="-1" shutdown="SHUTDOWN">
                  <Listener className="org.apache.catalina.startup.VersionLoggerListener"/>
                  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener"/>
                  <Listener className="org.apache.catalina.mbeans.GlobalResourcesLifecycleListener"/>
                  <Listener className="org.apache.catalina.core.ThreadLocalLeakPreventionListener"/>
                  <GlobalNamingResources>
                    <Resource name="UserDatabase" auth="Container" type="org.apache.catalina.UserDatabase"
                              factory="org.apache.catalina.users.MemoryUserDatabaseFactory" pathname="conf/tomcat-users.xml"/>
                  </GlobalNamingResources>
                  <Service name="Catalina">
                    <Connector address="127.0.0.1" port="%d" protocol="HTTP/1.1" connectionTimeout="20000"/>
                    <Engine name="Catalina" defaultHost="localhost">
                      <Realm className="org.apache.catalina.realm.UserDatabaseRealm" resourceName="UserDatabase"/>
                      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
                    </Engine>
                  </Service>
                </Server>
                """.formatted(port));
        Files.writeString(base.resolve("conf/tomcat-users.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">
                  <role rolename="manager-script"/>
                  <user username="%s" password="%s" roles="manager-script"/>
                </tomcat-users>
                """.formatted(MANAGER_USER, MANAGER_PASSWORD));
        // the distribution's manager application, served from CATALINA_HOME as it is
        Files.writeString(base.resolve("conf/Catalina/localhost/manager.xml"), """
                <Context docBase="%s" privileged="true" antiResourceLocking="false" ignoreAnnotations="true"/>
                """.formatted(home.resolve("webapps/manager")));
        for (Map.Entry<String, Path> war : wars.entrySet()) {
            Files.copy(war.getValue(), base.resolve("webapps").resolve(war.getKey() + ".war"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
