package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamArnsTest {

    @Test
    void tableName_isTheNameBetweenTableAndStream() {
        assertThat(StreamArns.tableName("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"))
                .contains("Orders");
        assertThat(StreamArns.tableName("arn:aws:dynamodb:ddblocal:000000000000:table/a.b-c_1/stream/x")).contains("a.b-c_1");
    }

    @Test
    void tableName_ofSomethingElse_isEmpty() {
        assertThat(StreamArns.tableName("arn:aws:dynamodb:us-east-1:1:table/Orders")).isEmpty();
        assertThat(StreamArns.tableName("arn:aws:dynamodb:us-east-1:1:table//stream/x")).isEmpty();
        assertThat(StreamArns.tableName("Orders")).isEmpty();
        assertThat(StreamArns.tableName("arn:aws:dynamodb:us-east-1:1:table/Orders/stream/")).as("no label").isEmpty();
        assertThat(StreamArns.tableName("arn:aws:dynamodb:us-east-1:1:index/Orders/stream/x")).isEmpty();
    }

    @Test
    void streamLabel_isWhatFollowsStream() {
        assertThat(StreamArns.streamLabel("arn:aws:dynamodb:us-east-1:1:table/Orders/stream/2024-01-01T00:00:00.000"))
                .contains("2024-01-01T00:00:00.000");
        assertThat(StreamArns.streamLabel("arn:aws:dynamodb:us-east-1:1:table/Orders")).isEmpty();
    }
}
