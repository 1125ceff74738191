package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.lease.internal.sim.SimLeaseTable;
import io.github.ddbstreams.lease.internal.sim.SimLeaseTable.Fault;
import io.github.ddbstreams.lease.internal.sim.WorkerClock;
import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;

/**
 * One receiver in lease mode, end to end on one virtual clock: the scripted stream fake and the simulated lease
 * table (failoverTime 10 s, so renewInterval 3.33 s and a lease is fenced 8.33 s after its last proof). Every
 * record is acknowledged as it arrives.
 */
class LeaseReceiverTest {

    private static final Duration FAILOVER = Duration.ofSeconds(10);

    private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    private final SimLeaseTable table = new SimLeaseTable(clock, new Random(7));
    private final FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
    private final List<ChangeRecord> got = new CopyOnWriteArrayList<>();
    private final List<Disposable> subscriptions = new ArrayList<>();
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final List<TrimmedDataEvent> trimmed = new CopyOnWriteArrayList<>();
    private TrimmedDataPolicy trimmedDataPolicy = TrimmedDataPolicy.FAIL;
    private Disposable subscription;

    private void receive(StartPosition start) {
        WorkerClock worker = new WorkerClock(clock, "w1");
        LeaseOptions leases = LeaseOptions.builder().client(table.clientFor(worker)).tableName("leases")
                .workerId("w1").failoverTime(FAILOVER).build();
        ReceiverOptions options = ReceiverOptions.builder()
                .streamsClient(fake)
                .streamArn(fake.streamArn())
                .leases(leases)
                .startPosition(start)
                .trimmedDataPolicy(trimmedDataPolicy)
                .trimmedDataListener(trimmed::add)
                .scheduler(worker)
                .build();
        subscription = DynamoDbStreamsReceiver.create(options).receive().subscribe(record -> {
            got.add(record);
            record.checkpoint().acknowledge();
        }, failed::set);
    }

    private void advance(Duration duration) {
        clock.advanceTimeBy(duration);
    }

    private long counter(String shardId) {
        return Long.parseLong(table.item(shardId).get("leaseCounter").n());
    }

    private List<String> sequenceNumbers() {
        return got.stream().map(ChangeRecord::sequenceNumber).toList();
    }

    /** A worker that records when each record arrived and acknowledges it at once or only when the test says. */
    private final class Worker {
        final String id;
        final boolean acknowledgeAtOnce;
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        /** Each record received with the virtual time it arrived at. */
        final List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        final List<Long> receivedAt = new CopyOnWriteArrayList<>();
        final ReceiverStopSignal stopSignal = ReceiverStopSignal.create();
        Disposable subscription;

        Worker(String id, boolean acknowledgeAtOnce) {
            this.id = id;
            this.acknowledgeAtOnce = acknowledgeAtOnce;
        }

        Worker start(Duration drainTimeout) {
            return start(drainTimeout, StartPosition.trimHorizon());
        }

        Worker start(Duration drainTimeout, StartPosition startPosition) {
            WorkerClock worker = new WorkerClock(clock, id);
            LeaseOptions leases = LeaseOptions.builder().client(table.clientFor(worker)).tableName("leases")
                    .workerId(id).failoverTime(FAILOVER).drainTimeout(drainTimeout).meterRegistry(meters).build();
            ReceiverOptions options = ReceiverOptions.builder()
                    .streamsClient(fake)
                    .streamArn(fake.streamArn())
                    .leases(leases)
                    .startPosition(startPosition)
                    .scheduler(worker)
                    .build();
            subscription = DynamoDbStreamsReceiver.create(options).receive().contextWrite(stopSignal::addTo)
                    .subscribe(record -> {
                        received.add(record);
                        receivedAt.add(clock.now(java.util.concurrent.TimeUnit.MILLISECONDS));
                        if (acknowledgeAtOnce) {
                            record.checkpoint().acknowledge();
                        }
                    });
            subscriptions.add(subscription);
            return this;
        }

        List<ChangeRecord> of(String shardId) {
            return received.stream().filter(record -> record.shardId().equals(shardId)).toList();
        }

        /** When the first record of the shard arrived, or -1. */
        long firstAt(String shardId) {
            for (int i = 0; i < received.size(); i++) {
                if (received.get(i).shardId().equals(shardId)) {
                    return receivedAt.get(i);
                }
            }
            return -1;
        }

        double drainTimeouts() {
            return meters.get(DynamoDbStreamsMeters.LEASE_DRAIN_TIMEOUTS.meterName()).functionCounter().count();
        }
    }

    private static List<String> sequenceNumbersOf(List<ChangeRecord> records) {
        return records.stream().map(ChangeRecord::sequenceNumber).toList();
    }

    private String checkpoint(String shardId) {
        var value = table.item(shardId).get("checkpoint");
        return value == null ? null : value.s();
    }

    /** Advances until a worker asked for the hand-off of one of the shards; returns that shard. */
    private String advanceUntilAHandOffIsRequested(String... shardIds) {
        for (int i = 0; i < 2_000; i++) {
            for (String shardId : shardIds) {
                if (table.item(shardId).containsKey("handoffTo")) {
                    return shardId;
                }
            }
            advance(Duration.ofMillis(50));
        }
        throw new AssertionError("no hand-off was requested");
    }

    @AfterEach
    void stop() {
        if (subscription != null) {
            subscription.dispose();
        }
        subscriptions.forEach(Disposable::dispose);
        clock.dispose();
    }

    @Test
    void firstLeaseTableListing_thatTimesOutOrIsThrottled_isRetried_notTheEndOfTheReceiver() {
        fake.addShard("S");
        List<String> records = fake.putRecords("S", 3);
        // the start-up load of the checkpoints: one listing that never answers (a loaded machine, a half-open
        // connection), then one throttled and one failing with a 5xx
        table.failNext("query", Fault.TIMEOUT, 1);
        table.failNext("query", Fault.THROTTLE, 1);
        table.failNext("query", Fault.SERVER_ERROR, 1);
        receive(StartPosition.trimHorizon());
        advance(Duration.ofMinutes(2));

        assertThat(failed.get()).as("the receiver's error").isNull();
        assertThat(sequenceNumbers()).as("the shard's records, read once the lease table answered")
                .containsExactlyElementsOf(records);
    }

    @Test
    void latest_readsTheChildrenOfAParentThatGotNoRecords_fromTheirBeginning() {
        fake.addShard("P");
        receive(StartPosition.latest());
        advance(Duration.ofMinutes(1));
        assertThat(table.owner("P")).as("the worker holds the root shard's lease").isEqualTo("w1");

        // P closes without a single record; its child C gets records and closes too; then D follows C
        fake.closeShard("P");
        fake.addShard("C", "P");
        List<String> inC = fake.putRecords("C", 3);
        fake.closeShard("C");
        fake.addShard("D", "C");
        List<String> inD = fake.putRecords("D", 2);
        advance(Duration.ofMinutes(2));

        assertThat(sequenceNumbers()).as("records of the children of a parent read to its end")
                .containsExactlyElementsOf(concat(inC, inD));
    }

    @Test
    void latest_stillSkipsWhatClosedBeforeTheSubscriptionStarted() {
        fake.addShard("A");
        fake.putRecords("A", 2);
        fake.closeShard("A");
        fake.addShard("B", "A");
        fake.putRecords("B", 2);
        fake.closeShard("B");
        fake.addShard("C", "B");
        fake.putRecords("C", 2);
        receive(StartPosition.latest());
        advance(Duration.ofMinutes(1));

        List<String> after = fake.putRecords("C", 2);
        advance(Duration.ofMinutes(1));

        assertThat(sequenceNumbers()).as("only what was written after the subscription started")
                .containsExactlyElementsOf(after);
        assertThat(table.ended("A")).isTrue();
        assertThat(table.ended("B")).isTrue();
    }

    @Test
    void fencing_stopsEmittingWhileTheLeaseIsNotProvenHeld_andResumesAfterARenewal() {
        fake.addShard("S");
        receive(StartPosition.trimHorizon());
        advance(Duration.ofMinutes(1));
        List<String> before = fake.putRecords("S", 2);
        advance(Duration.ofSeconds(1));
        assertThat(sequenceNumbers()).containsExactlyElementsOf(before);

        // right after a renewal, the table fails the next two (5xx): the lease is fenced from 8.33 s after the last
        // success until the third renewal succeeds at 10 s
        long counter = counter("S");
        while (counter("S") == counter) {
            advance(Duration.ofMillis(50));
        }
        table.failNext("SET #counter = #counter + :one IF", Fault.SERVER_ERROR, 2);
        advance(Duration.ofMillis(8_500));
        List<String> fenced = fake.putRecords("S", 3);
        advance(Duration.ofMillis(1_000));
        assertThat(sequenceNumbers()).as("nothing emitted while the lease is not proven held")
                .containsExactlyElementsOf(before);
        assertThat(table.owner("S")).as("no other worker took it").isEqualTo("w1");

        // the third renewal succeeds
        advance(Duration.ofSeconds(2));
        assertThat(sequenceNumbers()).as("resumed after a successful renewal, nothing lost or repeated")
                .containsExactlyElementsOf(concat(before, fenced));
    }

    @Test
    void handOff_transfersTheLeaseOnlyAfterTheRecordsInFlightAreAcknowledged() {
        fake.addShard("S1");
        fake.addShard("S2");
        Worker old = new Worker("w1", false).start(Duration.ofSeconds(6));
        advance(Duration.ofMinutes(1));
        List<String> inS1 = fake.putRecords("S1", 2);
        List<String> inS2 = fake.putRecords("S2", 2);
        advance(Duration.ofSeconds(1));
        assertThat(old.received).hasSize(4);

        Worker next = new Worker("w2", true).start(Duration.ofSeconds(6));
        String asked = advanceUntilAHandOffIsRequested("S1", "S2");
        List<String> inFlight = asked.equals("S1") ? inS1 : inS2;
        advance(Duration.ofSeconds(4));      // past a renewal (3.33 s): the old owner keeps its lease while draining
        assertThat(table.owner(asked)).as("the lease of %s stays with its old owner while its records are in flight",
                asked).isEqualTo("w1");
        assertThat(next.of(asked)).as("the new owner has not started %s", asked).isEmpty();

        long acknowledgedAt = clock.now(java.util.concurrent.TimeUnit.MILLISECONDS);
        old.of(asked).forEach(record -> record.checkpoint().acknowledge());
        advance(Duration.ofSeconds(1));
        assertThat(checkpoint(asked)).as("the final checkpoint covers every record in flight")
                .isEqualTo(inFlight.get(inFlight.size() - 1));
        advance(Duration.ofSeconds(10));
        assertThat(table.owner(asked)).as("handed over once drained").isEqualTo("w2");

        List<String> after = fake.putRecords(asked, 2);
        advance(Duration.ofSeconds(2));
        assertThat(sequenceNumbersOf(next.of(asked))).as("the new owner reads only what the old one did not")
                .containsExactlyElementsOf(after);
        assertThat(next.firstAt(asked))
                .as("the new owner's first delivery is after the old owner's last acknowledgement")
                .isGreaterThan(acknowledgedAt);
        assertThat(old.drainTimeouts()).isZero();
    }

    @Test
    void handOff_afterTheDrainTimeout_transfersAnyway_andCountsIt() {
        fake.addShard("S1");
        fake.addShard("S2");
        Worker old = new Worker("w1", false).start(Duration.ofSeconds(6));
        advance(Duration.ofMinutes(1));
        fake.putRecords("S1", 2);
        fake.putRecords("S2", 2);
        advance(Duration.ofSeconds(1));

        Worker next = new Worker("w2", true).start(Duration.ofSeconds(6));
        String asked = advanceUntilAHandOffIsRequested("S1", "S2");
        advance(Duration.ofSeconds(5));
        assertThat(table.owner(asked)).as("still draining 5 s after the request").isEqualTo("w1");

        advance(Duration.ofSeconds(15));      // the 6 s drain timeout, then the new owner's next take tick
        assertThat(table.owner(asked)).as("handed over after the drain timeout").isEqualTo("w2");
        assertThat(old.drainTimeouts()).isEqualTo(1.0);
        assertThat(sequenceNumbersOf(next.of(asked))).as("the unacknowledged records are read again by the new owner")
                .containsExactlyElementsOf(sequenceNumbersOf(old.of(asked)));
    }

    @Test
    void release_onCancel_waitsForTheRecordsInFlight_thenReleasesWithTheirCheckpoint() {
        fake.addShard("S");
        Worker worker = new Worker("w1", false).start(Duration.ofSeconds(6));
        advance(Duration.ofMinutes(1));
        List<String> records = fake.putRecords("S", 3);
        advance(Duration.ofSeconds(1));
        assertThat(worker.received).hasSize(3);

        worker.subscription.dispose();
        long counter = counter("S");
        advance(Duration.ofSeconds(4));
        assertThat(table.owner("S")).as("not released while records are in flight").isEqualTo("w1");
        assertThat(counter("S")).as("renewed while draining").isGreaterThan(counter);
        assertThat(worker.stopSignal.isStopped()).as("the stop signal waits for the drain").isFalse();

        worker.received.forEach(record -> record.checkpoint().acknowledge());
        advance(Duration.ofSeconds(1));
        assertThat(table.owner("S")).as("released once drained").isNull();
        assertThat(checkpoint("S")).isEqualTo(records.get(2));
        assertThat(worker.stopSignal.isStopped()).as("stopped after the drain, the commit and the release").isTrue();
        assertThat(worker.drainTimeouts()).isZero();
    }

    @Test
    void release_onCancel_afterTheDrainTimeout_releasesAnyway() {
        fake.addShard("S");
        Worker worker = new Worker("w1", false).start(Duration.ofSeconds(2));
        advance(Duration.ofMinutes(1));
        List<String> records = fake.putRecords("S", 3);
        advance(Duration.ofSeconds(1));
        worker.received.get(0).checkpoint().acknowledge();

        worker.subscription.dispose();
        advance(Duration.ofMillis(1_500));
        assertThat(table.owner("S")).as("draining").isEqualTo("w1");
        advance(Duration.ofSeconds(1));
        assertThat(table.owner("S")).as("released after the drain timeout").isNull();
        assertThat(checkpoint("S")).as("what was acknowledged").isEqualTo(records.get(0));
        assertThat(worker.drainTimeouts()).isEqualTo(1.0);
    }

    private static List<String> concat(List<String> first, List<String> second) {
        return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
    }

    /**
     * Regression (issue 13): lease mode did not notice a disabled stream once the ended lease of a parent still
     * listed by the stream was cleaned up (it compared the number of leases with the number of known shards); the
     * receiver ran on forever instead of failing as single-worker mode does. Failed before the fix: "[failed]
     * Expecting actual not to be null".
     */
    @Test
    void disabledStream_isNoticed_afterTheParentWasRead_likeInSingleWorkerMode() {
        fake.addShard("P");
        List<String> inP = fake.putRecords("P", 2);
        fake.closeShard("P");
        fake.addShard("C", "P");
        List<String> inC = fake.putRecords("C", 2);
        receive(StartPosition.trimHorizon());
        advance(Duration.ofMinutes(1));
        assertThat(sequenceNumbers()).containsExactlyElementsOf(concat(inP, inC));

        fake.disableStream();
        advance(Duration.ofMinutes(2));

        assertThat(failed.get()).as("failed").isNotNull().isInstanceOf(StreamUnavailableException.class);
        assertThat(((StreamUnavailableException) failed.get()).reason())
                .isEqualTo(StreamUnavailableException.Reason.STREAM_DISABLED);
    }

    /** P read up to its third record by a worker that stopped; then P closed, got two more records and left the stream. */
    private String parentLeftTheStreamUnfinished() {
        fake.addShard("P");
        List<String> read = fake.putRecords("P", 3);
        receive(StartPosition.trimHorizon());
        advance(Duration.ofMinutes(1));
        assertThat(sequenceNumbers()).containsExactlyElementsOf(read);
        subscription.dispose();
        advance(Duration.ofSeconds(30));
        got.clear();

        fake.putRecords("P", 2);
        fake.closeShard("P");
        fake.addShard("C", "P");
        fake.removeShard("P");
        return read.get(2);
    }

    /**
     * Regression (issue 13, a parent that left the stream while its lease was unfinished: the application was down
     * for longer than the retention): a worker took and renewed that lease forever with no one reading it, and the
     * child waited for it: nothing was read and nothing signalled. Now the gap is signalled through the trimmed-data
     * policy and the parent's lease is recorded ended, so the child is read. Failed before the fix: "[trimmed-data
     * events] Expecting actual: [] to contain exactly ...".
     */
    @Test
    void parentThatLeftTheStreamUnfinished_isSignalledAsTrimmed_andItsChildIsRead() {
        String lastRead = parentLeftTheStreamUnfinished();
        List<String> inC = fake.putRecords("C", 2);
        trimmedDataPolicy = TrimmedDataPolicy.RESTART_FROM_TRIM_HORIZON;

        receive(StartPosition.trimHorizon());
        advance(Duration.ofMinutes(2));

        assertThat(trimmed).as("trimmed-data events")
                .containsExactly(new TrimmedDataEvent(fake.streamArn(), "P", "AFTER_SEQUENCE_NUMBER " + lastRead));
        assertThat(table.ended("P")).isTrue();
        assertThat(sequenceNumbers()).as("the child's records").containsExactlyElementsOf(inC);
        assertThat(failed.get()).isNull();
    }

    @Test
    void parentThatLeftTheStreamUnfinished_failsTheReceiver_withTheDefaultTrimmedDataPolicy() {
        String lastRead = parentLeftTheStreamUnfinished();

        receive(StartPosition.trimHorizon());
        advance(Duration.ofMinutes(2));

        assertThat(failed.get()).isInstanceOf(TrimmedDataException.class);
        assertThat(((TrimmedDataException) failed.get()).event())
                .isEqualTo(new TrimmedDataEvent(fake.streamArn(), "P", "AFTER_SEQUENCE_NUMBER " + lastRead));
    }

    /**
     * With {@code latest()}, a shard without a read ancestor that is closed when its lease is first taken is recorded
     * ended unread (its children start at LATEST), whichever worker takes it: the describer knows it closed from its
     * listing, a follower only from the lease table. Here a follower takes the lease of B, a shard that appeared
     * and closed after the workers started (its child B1 got records meanwhile).
     */
    @Test
    void latest_aClosedShardLearnedFromTheLeases_isEndedUnread_likeTheDescriberWouldDecide() {
        for (int i = 0; i < 3; i++) {
            fake.addShard("A" + i);
        }
        Worker describer = new Worker("w1", true).start(Duration.ofSeconds(5), StartPosition.latest());
        advance(Duration.ofMinutes(1));
        Worker follower = new Worker("w2", true).start(Duration.ofSeconds(5), StartPosition.latest());
        advance(Duration.ofMinutes(1));
        assertThat(table.item("~discovery").get("describer").s()).isEqualTo("w1");
        assertThat(List.of(table.owner("A0"), table.owner("A1"), table.owner("A2")))
                .as("two leases for the describer, one for the follower").containsOnly("w1", "w2")
                .filteredOn("w1"::equals).hasSize(2);

        fake.addShard("B");
        fake.putRecords("B", 2);
        fake.closeShard("B");
        fake.addShard("B1", "B");
        List<String> beforeTheirLeases = fake.putRecords("B1", 2);
        advance(Duration.ofMinutes(1));
        List<String> later = fake.putRecords("B1", 2);
        advance(Duration.ofMinutes(1));

        assertThat(table.owner("B1")).as("B1 is read").isNotNull();
        assertThat(table.item("B").get("endedUnread")).as("B, closed before its lease was first taken, ended unread")
                .isEqualTo(AttributeValue.fromBool(true));
        assertThat(java.util.stream.Stream.concat(describer.of("B1").stream(), follower.of("B1").stream())
                        .map(ChangeRecord::sequenceNumber))
                .as("B1 starts at LATEST like its parent (not before: %s)", beforeTheirLeases)
                .containsExactlyElementsOf(later);
    }

    /** The DescribeStream calls that started a listing of every shard (no ShardFilter, first page). */
    private long fullListings() {
        return fake.calls().stream()
                .filter(call -> call.operation() == FakeDynamoDbStreams.Operation.DESCRIBE_STREAM)
                .map(call -> (DescribeStreamRequest) call.request())
                .filter(request -> request.shardFilter() == null && request.exclusiveStartShardId() == null)
                .count();
    }

    /**
     * Five workers list the stream as often as one: one describer lists it at its start and every
     * shardDiscoveryInterval (30 s); the others never (not at their start either: they learn the shards from the
     * lease table). Over 10 minutes: at most 1 + 20 full listings (one worker alone makes 21), where every worker
     * listing on its own made about 5 x 21, and a listing per worker start 24.
     */
    @Test
    void fullListingsOfTheStream_doNotGrowWithTheWorkers() {
        for (int i = 0; i < 8; i++) {
            fake.addShard("S" + i);
            fake.putRecords("S" + i, 2);
        }
        List<Worker> workers = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            workers.add(new Worker("w" + i, true).start(Duration.ofSeconds(5)));
        }
        advance(Duration.ofMinutes(10));

        long listings = fullListings();
        assertThat(listings).as("full listings by 5 workers in 10 minutes (bound: the describer's start + 20 intervals)")
                .isLessThanOrEqualTo(21);
        assertThat(workers.stream().mapToInt(worker -> worker.received.size()).sum())
                .as("every record read").isEqualTo(16);

        // the shards a describer finds reach every worker through the lease table: a new lineage is read
        fake.closeShard("S0");
        fake.addShard("S0a", "S0");
        List<String> inChild = fake.putRecords("S0a", 3);
        advance(Duration.ofMinutes(2));
        assertThat(workers.stream().flatMap(worker -> worker.of("S0a").stream()).map(ChangeRecord::sequenceNumber))
                .containsExactlyInAnyOrderElementsOf(inChild);
    }

    /**
     * Four lineages (a closed parent P with records, its child C with records) and four open shards, two records
     * each; returns every sequence number put.
     */
    private List<String> fourLineagesAndFourOpenShards() {
        List<String> put = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fake.addShard("P" + i);
            put.addAll(fake.putRecords("P" + i, 2));
            fake.closeShard("P" + i);
            fake.addShard("C" + i, "P" + i);
            put.addAll(fake.putRecords("C" + i, 2));
            fake.addShard("S" + i);
            put.addAll(fake.putRecords("S" + i, 2));
        }
        return put;
    }

    /** Advances in steps of 100 ms until a full listing of the stream starts (at most a minute). */
    private void advanceUntilAFullListing() {
        fake.clearCalls();
        for (int i = 0; i < 600 && fullListings() == 0; i++) {
            advance(Duration.ofMillis(100));
        }
        assertThat(fullListings()).as("the describer lists the stream within a minute").isPositive();
    }

    /**
     * Six workers start together (a fleet deploy) on a cold lease table: one of them, the describer, lists the
     * stream; the others wait for its leases and learn the shards from the lease table (no listing each, which
     * made 6). Every record is read, parents before children. A worker joining the running fleet lists nothing.
     */
    @Test
    void workersStartingTogether_listTheStreamOnce_andAWorkerJoiningLaterListsNothing() {
        List<String> put = fourLineagesAndFourOpenShards();
        List<Worker> workers = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            workers.add(new Worker("w" + i, true).start(Duration.ofSeconds(5)));
        }
        advance(Duration.ofSeconds(25)); // less than a discovery interval (30 s)

        assertThat(fullListings()).as("full listings of the stream by 6 workers starting together").isEqualTo(1);
        List<ChangeRecord> all = workers.stream().flatMap(worker -> worker.received.stream()).toList();
        assertThat(sequenceNumbersOf(all)).as("every record read once").containsExactlyInAnyOrderElementsOf(put);
        for (int i = 0; i < 4; i++) {
            String parent = "P" + i;
            String child = "C" + i;
            long parentEnd = workers.stream().mapToLong(worker -> lastAt(worker, parent)).max().orElseThrow();
            long childStart = workers.stream().mapToLong(worker -> worker.firstAt(child)).filter(t -> t >= 0)
                    .min().orElseThrow();
            assertThat(childStart).as("child C%d read after its parent", i).isGreaterThanOrEqualTo(parentEnd);
        }

        advanceUntilAFullListing();
        fake.clearCalls();
        Worker joining = new Worker("w7", true).start(Duration.ofSeconds(5));
        List<String> later = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            later.addAll(fake.putRecords("S" + i, 1));
            later.addAll(fake.putRecords("C" + i, 1));
        }
        advance(Duration.ofSeconds(20)); // before the describer's next listing
        assertThat(fullListings()).as("full listings while a worker joined the running fleet").isZero();
        workers.add(joining);
        assertThat(workers.stream().flatMap(worker -> worker.received.stream()).map(ChangeRecord::sequenceNumber))
                .as("records put after the join all read").containsAll(later);
    }

    /** When the last record of the shard arrived at the worker, or -1. */
    private static long lastAt(Worker worker, String shardId) {
        long last = -1;
        for (int i = 0; i < worker.received.size(); i++) {
            if (worker.received.get(i).shardId().equals(shardId)) {
                last = worker.receivedAt.get(i);
            }
        }
        return last;
    }

    /**
     * A worker alone on a cold lease table is the describer at its first tick: it lists the stream and reads the
     * shards without parents at once (the children once their parents' leases ended).
     */
    @Test
    void loneWorker_onAColdLeaseTable_listsAndReadsAtOnce() {
        List<String> put = fourLineagesAndFourOpenShards();
        Worker alone = new Worker("w1", true).start(Duration.ofSeconds(5));
        advance(Duration.ofSeconds(1));

        assertThat(fullListings()).as("full listings of a lone worker in its first second").isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            assertThat(alone.of("P" + i)).as("parent P%d read in the first second", i).hasSize(2);
            assertThat(alone.of("S" + i)).as("open shard S%d read in the first second", i).hasSize(2);
        }
        advance(Duration.ofSeconds(15));
        assertThat(sequenceNumbersOf(alone.received)).as("every record read").containsExactlyInAnyOrderElementsOf(put);
    }

    /** Three workers read shard S0 for a minute; then the describer's subscription is disposed. Returns its id. */
    private String threeWorkersRead_thenTheDescriberStops() {
        fake.addShard("S0");
        List<Worker> workers = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            workers.add(new Worker("w" + i, true).start(Duration.ofSeconds(5)));
        }
        advance(Duration.ofMinutes(1));
        String describer = table.item("~discovery").get("describer").s();
        workers.stream().filter(worker -> worker.id.equals(describer)).findFirst().orElseThrow().subscription.dispose();
        return describer;
    }

    /**
     * A describer that stops gracefully gives the role up (a conditional write clearing its name): another worker
     * takes it at its next take tick (5 s), not once the item stood still for failoverTime (10 s).
     */
    @Test
    void describerThatStopsGracefully_releasesTheRole_andAnotherWorkerTakesItAtItsNextTakeTick() {
        String describer = threeWorkersRead_thenTheDescriberStops();
        advance(Duration.ofMillis(5_500));

        assertThat(table.item("~discovery").get("describer")).as("the role 5.5 s after its describer stopped")
                .isNotNull()
                .extracting(AttributeValue::s).isNotEqualTo(describer);
    }

    /** The describer stops: another worker lists the stream within failoverTime + shardDiscoveryInterval. */
    @Test
    void describerThatStops_isReplaced_withinFailoverTimeAndADiscoveryInterval() {
        String describer = threeWorkersRead_thenTheDescriberStops();
        advance(Duration.ofSeconds(1));
        fake.clearCalls();

        // failoverTime (10 s) to see the item stand still, a take tick (5 s) to take it, then the next interval
        advance(FAILOVER.plusSeconds(5).plus(ReceiverOptions.DEFAULT_SHARD_DISCOVERY_INTERVAL));
        assertThat(table.item("~discovery").get("describer").s()).as("a live worker took the role")
                .isNotEqualTo(describer);
        assertThat(fullListings()).as("the new describer listed the stream").isPositive();

        fake.clearCalls();
        advance(Duration.ofMinutes(5));
        assertThat(fullListings()).as("one describer again: one listing per interval (10 in 5 minutes)")
                .isBetween(9L, 11L);
    }

    /**
     * w1 starts alone (the describer, listing at its start and every 30 s after), w2 and w3 12 s later (their own
     * discovery timers 12 s out of phase with w1's). Runs until {@code stopAt}, then disposes w1 (it gives the role
     * up) and returns how long after the stop the next describer's first full listing came (-1: none in a minute).
     */
    private long firstListingAfterTheDescriberStops(Duration stopAt) {
        fake.addShard("S0");
        Worker w1 = new Worker("w1", true).start(Duration.ofSeconds(5));
        advance(Duration.ofSeconds(12));
        new Worker("w2", true).start(Duration.ofSeconds(5));
        new Worker("w3", true).start(Duration.ofSeconds(5));
        advance(stopAt.minusSeconds(12));
        assertThat(table.item("~discovery").get("describer").s()).isEqualTo("w1");
        fake.clearCalls();
        w1.subscription.dispose();
        for (long waited = 0; waited <= 60_000; waited += 100) {
            if (fullListings() > 0) {
                return waited;
            }
            advance(Duration.ofMillis(100));
        }
        return -1;
    }

    /**
     * A worker that takes the describer role lists the stream at once when the previous describer's last listing
     * is an interval old, not at its own next discovery tick: w1 listed at 60 s and stops at 87 s; the next one
     * takes the role at its next take tick (5 s) and lists by 90 s (when w1 would have), not at 102 s.
     */
    @Test
    void newDescriber_listsTheStreamWhenItTakesTheRole_ifThePreviousListingIsAnIntervalOld() {
        long waited = firstListingAfterTheDescriberStops(Duration.ofSeconds(87));

        assertThat(waited).as("ms from the describer's stop to the next describer's first listing")
                .isBetween(0L, 8_000L);
    }

    /**
     * ...and not before an interval after the previous describer's last listing (recorded in the discovery item as
     * a duration: no clock is compared across workers): w1 listed at 60 s and stops at 62 s; the next describer
     * lists at about 90 s, not at its own next discovery tick (72 s), 12 s after w1's.
     */
    @Test
    void newDescriber_waitsForAnIntervalAfterThePreviousDescribersLastListing() {
        long waited = firstListingAfterTheDescriberStops(Duration.ofSeconds(62));

        assertThat(waited).as("ms from the describer's stop (2 s after its last listing) to the next one's first")
                .isBetween(27_000L, 35_000L);
    }

    /** The DescribeStream calls for the children of a shard (ShardFilter CHILD_SHARDS). */
    private long childrenQueries() {
        return fake.calls().stream()
                .filter(call -> call.operation() == FakeDynamoDbStreams.Operation.DESCRIBE_STREAM)
                .filter(call -> ((DescribeStreamRequest) call.request()).shardFilter() != null)
                .count();
    }

    /**
     * A children query at a shard end is asked again (with backoff) while no child is listed yet: a receiver that
     * stops meanwhile asks no more, as its other calls.
     */
    @Test
    void stop_duringTheChildrenQueryOfAShardEnd_cancelsIt_noLaterCall() {
        fake.addShard("P");
        fake.putRecords("P", 2);
        receive(StartPosition.trimHorizon());
        advance(Duration.ofSeconds(20));
        fake.closeShard("P"); // no child listed yet: the query is asked again
        for (int i = 0; i < 6_000 && childrenQueries() == 0; i++) {
            advance(Duration.ofMillis(10));
        }
        assertThat(childrenQueries()).as("the children query at P's end").isOne();

        subscription.dispose();
        fake.clearCalls();
        advance(Duration.ofMinutes(1));

        assertThat(fake.calls()).as("calls after the receiver stopped").isEmpty();
    }

    /**
     * A worker that joins after the describer deleted the ended lease of a parent that left the stream never saw that
     * lease: it starts the child all the same (no waiting for the parent), after the child's checkpoint (a parent
     * lease is deleted only once every child has one), so with {@code latest()} it reads what came while nobody read.
     */
    @Test
    void workerJoiningAfterAParentLeaseWasDeleted_startsTheChildAfterItsCheckpoint() {
        fake.addShard("P");
        Worker w1 = new Worker("w1", true).start(Duration.ofSeconds(5), StartPosition.latest());
        advance(Duration.ofSeconds(20));
        List<String> inP = fake.putRecords("P", 2);
        advance(Duration.ofSeconds(5));
        fake.closeShard("P");
        fake.addShard("C", "P");
        List<String> inC = fake.putRecords("C", 2);
        advance(Duration.ofSeconds(20));
        assertThat(sequenceNumbersOf(w1.received)).containsExactlyElementsOf(
                java.util.stream.Stream.concat(inP.stream(), inC.stream()).toList());

        fake.removeShard("P"); // trimmed: its ended lease is deleted after the describer's next listing
        advance(Duration.ofMinutes(1));
        assertThat(table.item("P")).as("P's ended lease, deleted").isNull();
        w1.subscription.dispose();
        advance(Duration.ofSeconds(5));
        List<String> whileNobodyReads = fake.putRecords("C", 2);

        Worker w2 = new Worker("w2", true).start(Duration.ofSeconds(5), StartPosition.latest());
        advance(Duration.ofMinutes(1));

        assertThat(table.owner("C")).isEqualTo("w2");
        assertThat(sequenceNumbersOf(w2.received)).as("C, after its checkpoint").containsExactlyElementsOf(whileNobodyReads);
    }
}
