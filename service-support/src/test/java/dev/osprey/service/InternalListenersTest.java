package dev.osprey.service;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InternalListenersTest {

    @Test
    void withoutATokenLoopbackIsAllowed() {
        assertThatCode(() -> InternalListeners.requireProtected(false, false, Map.of("spring.grpc.server.host", "127.0.0.1",
                "server.address", "localhost"))).doesNotThrowAnyException();
        assertThatCode(() -> InternalListeners.requireProtected(false, false, Map.of("spring.grpc.server.host", "[::1]")))
                .doesNotThrowAnyException();
    }

    @Test
    void withoutATokenEveryOtherInterfaceFailsStartupNamingTheSetting() {
        Map<String, String> listeners = new LinkedHashMap<>();
        listeners.put("spring.grpc.server.host", "*");
        listeners.put("server.address", null);
        assertThatThrownBy(() -> InternalListeners.requireProtected(false, false, listeners)).isInstanceOf(InternalAccessException.class)
                .hasMessageContaining("(spring.grpc.server.host=*, server.address=(unset: every interface)) without an internal token")
                .hasMessageContaining("listen on 127.0.0.1");
        assertThatThrownBy(() -> InternalListeners.requireProtected(false, false, Map.of("spring.grpc.server.host", "0.0.0.0")))
                .hasMessageContaining("spring.grpc.server.host=0.0.0.0");
        assertThatThrownBy(() -> InternalListeners.requireProtected(false, false, Map.of("server.address", "192.0.2.7")))
                .hasMessageContaining("server.address=192.0.2.7");
    }

    @Test
    void aTokenOrAnExplicitOptOutAllowsAnyInterface() {
        Map<String, String> everywhere = new HashMap<>();
        everywhere.put("spring.grpc.server.host", "0.0.0.0");
        everywhere.put("server.address", null);
        assertThatCode(() -> InternalListeners.requireProtected(true, false, everywhere)).doesNotThrowAnyException();
        assertThatCode(() -> InternalListeners.requireProtected(false, true, everywhere)).doesNotThrowAnyException();
    }
}
