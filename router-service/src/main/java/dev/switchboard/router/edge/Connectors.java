package dev.switchboard.router.edge;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

/** The HTTP connector of the edge and of the embedded servers. */
public final class Connectors {

    private Connectors() {
    }

    /**
     * Listens on {@code port} on every interface with a deep accept queue: a burst of new connections
     * (hundreds of calls at once) must not overflow the default backlog of 50 and wait out a 1 s SYN
     * retransmit.
     */
    public static void listen(JavalinConfig config, int port) {
        config.jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost("0.0.0.0");
            connector.setPort(port);
            connector.setAcceptQueueSize(4096);
            return connector;
        });
    }
}
