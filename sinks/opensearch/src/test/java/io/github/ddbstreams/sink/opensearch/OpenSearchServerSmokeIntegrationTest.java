package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.ddbstreams.testkit.EmbeddedOpenSearch;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch.core.GetResponse;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

/**
 * The real OpenSearch server that Maven unpacked starts, serves the opensearch-java client (Apache HttpClient
 * 5 transport, Jackson mapper from an explicit ObjectMapper) and keeps its data over a crash.
 */
class OpenSearchServerSmokeIntegrationTest {

    private static EmbeddedOpenSearch openSearch;
    private static OpenSearchTransport transport;
    private static OpenSearchClient client;

    @BeforeAll
    static void startServer() {
        openSearch = EmbeddedOpenSearch.start();
        transport = ApacheHttpClient5TransportBuilder
                .builder(new HttpHost("http", EmbeddedOpenSearch.HOST, openSearch.port()))
                // explicit ObjectMapper: the default constructor registers every Jackson module it finds
                .setMapper(new JacksonJsonpMapper(new ObjectMapper()))
                .build();
        client = new OpenSearchClient(transport);
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (transport != null) {
            transport.close();
        }
        if (openSearch != null) {
            openSearch.close();
        }
    }

    @Test
    @SuppressWarnings({"rawtypes", "unchecked"})
    void indexedDocument_survivesKillAndRestartOnTheSamePort() throws IOException {
        client.indices().create(c -> c.index("smoke"));
        client.index(i -> i.index("smoke").id("k1").document(Map.of("name", "alpha", "n", 1)).refresh(Refresh.True));

        GetResponse<Map> before = client.get(g -> g.index("smoke").id("k1"), Map.class);
        assertThat(before.found()).isTrue();
        assertThat((Map<String, Object>) before.source()).containsEntry("name", "alpha").containsEntry("n", 1);

        int port = openSearch.port();
        openSearch.kill();
        assertThat(openSearch.isRunning()).isFalse();
        openSearch.restart();

        assertThat(openSearch.port()).isEqualTo(port);
        GetResponse<Map> after = client.get(g -> g.index("smoke").id("k1"), Map.class);
        assertThat(after.found()).isTrue();
        assertThat((Map<String, Object>) after.source()).containsEntry("name", "alpha");
    }
}
