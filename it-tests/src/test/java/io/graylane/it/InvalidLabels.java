package io.graylane.it;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Labels graylane must reject, each as the inbound header that carries it; for parameterized tests. */
final class InvalidLabels {

    private InvalidLabels() {
    }

    /** (client, kind, header, value) for every client and every invalid label. */
    static Stream<Arguments> forEachClient(List<String> clients, String labelHeader) {
        List<String[]> invalid = List.of(
                new String[] {"space and slash", labelHeader, "lane a/b"},
                new String[] {"semicolon", labelHeader, "lane;x"},
                new String[] {"10 KB long", labelHeader, "a".repeat(10 * 1024)},
                new String[] {"CR LF via baggage", "baggage", labelHeader + "=bad%0D%0Ainjected"});
        return clients.stream().flatMap(client -> invalid.stream()
                .map(bad -> Arguments.of(client, bad[0], bad[1], bad[2])));
    }
}
