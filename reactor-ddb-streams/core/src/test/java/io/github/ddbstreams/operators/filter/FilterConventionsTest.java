package io.github.ddbstreams.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.ddbstreams.operators.TestCheckpoint;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@link Filters} hands a record it filters out to the discard hook, as {@code Flux#filter} does, acknowledged. */
class FilterConventionsTest {

    @Test
    void matching_discardsTheRecordsItFiltersOut_afterAcknowledgingThem() {
        List<ChangeRecord> discarded = new CopyOnWriteArrayList<>();
        ChangeRecord insert = ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("1").shardId("s1")
                .checkpoint(new TestCheckpoint()).build();
        ChangeRecord remove = ChangeRecord.builder().eventName(EventName.REMOVE).sequenceNumber("2").shardId("s1")
                .checkpoint(new TestCheckpoint()).build();

        StepVerifier.create(Flux.just(insert, remove).transform(Filters.matching("{\"eventName\": [\"INSERT\"]}"))
                        .doOnDiscard(ChangeRecord.class, r -> {
                            assertThat(r.checkpoint().isAcknowledged()).as("acknowledged before discarded").isTrue();
                            discarded.add(r);
                        }))
                .expectNext(insert)
                .verifyComplete();

        assertThat(discarded).containsExactly(remove);
        assertThat(insert.checkpoint().isAcknowledged()).isFalse();
    }
}
