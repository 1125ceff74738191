package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.lease.internal.sim.SimLeaseTable;
import io.github.ddbstreams.lease.internal.sim.SimLeaseTable.Fault;
import io.github.ddbstreams.lease.internal.sim.WorkerClock;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

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

    @AfterEach
    void stop() {
        if (subscription != null) {
            subscription.dispose();
        }
        clock.dispose();
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
}
