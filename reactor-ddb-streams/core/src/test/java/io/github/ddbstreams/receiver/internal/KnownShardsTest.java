package io.github.ddbstreams.receiver.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.github.ddbstreams.receiver.ReceiverOptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/** A session that runs for months must not keep every shard it ever saw. */
class KnownShardsTest {

    private final ReceiverOptions options = ReceiverOptions.builder().streamArn("arn:aws:dynamodb:r:1:table/T/stream/L").build();

    private static Shard shard(String id, String parent, boolean closed) {
        return Shard.builder().shardId(id).parentShardId(parent)
                .sequenceNumberRange(r -> r.startingSequenceNumber("1").endingSequenceNumber(closed ? "9" : null)).build();
    }

    private static ShardDiscovery.Listing full(Shard... shards) {
        return new ShardDiscovery.Listing(List.of(shards), null, "T", true);
    }

    private ShardPoller poller(Shard shard) {
        return new ShardPoller(shard.shardId(), shard.parentShardId(),
                shard.sequenceNumberRange().endingSequenceNumber(), null, options, null);
    }

    private static void settle(ShardPoller shard) {
        shard.skip();     // settled without reading
    }

    @Test
    void forgetsSettledShardsTheStreamNoLongerLists_keepsTheRest() {
        KnownShards known = new KnownShards();
        assertThat(known.merge(full(shard("A", null, true), shard("B", "A", true), shard("C", "B", false)), this::poller))
                .isEqualTo(3);
        settle(known.get("A"));
        settle(known.get("B"));

        // A and B left the stream (24 h retention): A is settled and has no waiting child, so it is forgotten;
        // B is settled too, but its child C has not started yet: kept, so C still sees a parent that was read
        known.merge(full(shard("C", "B", false)), this::poller);
        assertThat(known.all()).extracting(s -> s.shardId).containsExactly("B", "C");
        settle(known.get("C"));
        known.merge(full(shard("D", "C", false)), this::poller);
        assertThat(known.all()).extracting(s -> s.shardId).containsExactly("C", "D");
    }

    @Test
    void keepsAShardThatIsNotSettled_orWhoseChildStillWaits() {
        KnownShards known = new KnownShards();
        known.merge(full(shard("A", null, true), shard("B", "A", true)), this::poller);
        settle(known.get("A"));
        // B not settled (still waiting itself) and A is the parent of waiting B
        known.merge(full(), this::poller);
        assertThat(known.all()).extracting(s -> s.shardId).containsExactly("A", "B");
    }

    @Test
    void aChildListingNeverForgetsAnything() {
        KnownShards known = new KnownShards();
        known.merge(full(shard("A", null, true)), this::poller);
        settle(known.get("A"));
        known.merge(new ShardDiscovery.Listing(List.of(shard("B", "A", false)), null, "T", false), this::poller);
        assertThat(known.all()).extracting(s -> s.shardId).containsExactly("A", "B");
    }
}
