package io.github.ddbstreams.receiver.internal;

import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.Shard;

/**
 * The shards a session knows, in discovery order (parents before children), as {@link ShardPoller}s.
 * Shards that are settled and no longer listed are forgotten: a table's shards roll over every few hours,
 * and a process that runs for months must not keep and scan every shard it ever saw. Loop-confined.
 */
final class KnownShards {

    private static final Logger log = LoggerFactory.getLogger(KnownShards.class);

    private final Map<String, ShardPoller> shards = new LinkedHashMap<>();

    /** Adds the shards of a listing not known yet (made by {@code create}) and records closed ones; returns how many were new. */
    int merge(ShardDiscovery.Listing listing, Function<Shard, ShardPoller> create) {
        Set<String> listed = new HashSet<>();
        int added = 0;
        for (Shard shard : listing.shards()) {
            listed.add(shard.shardId());
            ShardPoller known = shards.get(shard.shardId());
            if (known == null) {
                shards.put(shard.shardId(), create.apply(shard));
                added++;
            } else if (shard.sequenceNumberRange() != null && shard.sequenceNumberRange().endingSequenceNumber() != null) {
                known.endingSequenceNumber = shard.sequenceNumberRange().endingSequenceNumber();
            }
        }
        if (listing.complete() || listing.fromLeases()) {
            forgetVanished(listed);
        }
        return added;
    }

    /** Forgets shards settled, not in {@code listed} and with no known child still waiting for them. */
    private void forgetVanished(Set<String> listed) {
        Set<String> parentsOfWaiting = new HashSet<>();
        for (ShardPoller shard : shards.values()) {
            if (shard.state == ShardPoller.State.WAITING && shard.parentShardId != null) {
                parentsOfWaiting.add(shard.parentShardId);
            }
        }
        for (Iterator<ShardPoller> it = shards.values().iterator(); it.hasNext(); ) {
            ShardPoller shard = it.next();
            if (!listed.contains(shard.shardId) && shard.isSettled() && !parentsOfWaiting.contains(shard.shardId)) {
                it.remove();
                log.debug("Shard {} is done and no longer in the stream: forgotten", shard.shardId);
            }
        }
    }

    ShardPoller get(String shardId) {
        return shardId == null ? null : shards.get(shardId);
    }

    Collection<ShardPoller> all() {
        return shards.values();
    }

    int size() {
        return shards.size();
    }
}
