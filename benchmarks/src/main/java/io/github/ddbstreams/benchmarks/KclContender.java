package io.github.ddbstreams.benchmarks;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.amazonaws.services.dynamodbv2.streamsadapter.AmazonDynamoDBStreamsAdapterClient;
import com.amazonaws.services.dynamodbv2.streamsadapter.StreamsSchedulerFactory;
import com.amazonaws.services.dynamodbv2.streamsadapter.adapter.DynamoDBStreamsClientRecord;
import com.amazonaws.services.dynamodbv2.streamsadapter.model.DynamoDBStreamsProcessRecordsInput;
import com.amazonaws.services.dynamodbv2.streamsadapter.polling.DynamoDBStreamsPollingConfig;
import com.amazonaws.services.dynamodbv2.streamsadapter.processor.DynamoDBStreamsShardRecordProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.exceptions.InvalidStateException;
import software.amazon.kinesis.exceptions.ShutdownException;
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.MetricsConfig;
import software.amazon.kinesis.metrics.NullMetricsFactory;
import software.amazon.kinesis.processor.StreamTracker;
import software.amazon.kinesis.retrieval.RetrievalConfig;

/**
 * Contenders (c1) and (c2): KCL 3.1.1 with the DynamoDB Streams Kinesis adapter 2.0.1, lease table (and the
 * KCL 3 coordinator-state and worker-metrics tables) in DynamoDB Local under a fresh application name, the stream
 * in DynamoDB Local or in a {@code SimulatedStreamsService} (us-east-1 ARNs, used as they are), metrics
 * off, worker metrics off (else the KCL probes the EC2 metadata address). The record processor hands each
 * record to the listener and checkpoints at most every {@value #CHECKPOINT_INTERVAL_MILLIS} ms (as the
 * receiver commits every 5 s) and at shard end.
 */
final class KclContender implements Contender {

    private static final Logger log = LoggerFactory.getLogger(KclContender.class);
    private static final long CHECKPOINT_INTERVAL_MILLIS = 5_000;

    /**
     * The KCL settings a contender runs with.
     *
     * @param noShardSyncPause whether the first shard sync skips its 60 s pause (see {@link #forTests})
     */
    record Settings(String name, long idleTimeBetweenReadsMillis, boolean tunedLeases, boolean noShardSyncPause) {

        /** (c1): the defaults (idle time between reads 1000 ms). */
        static Settings defaults() {
            return new Settings("c1", 1000, false, false);
        }

        /** (c2): short idle time, short failover, lease-assignment, dispatch and parent-poll intervals. */
        static Settings tuned(long idleMillis) {
            return new Settings("c2", idleMillis, true, false);
        }

        /**
         * The integration tests' KCL: (c2), and the first shard sync does not pause. The adapter 2.0.1 logs
         * "Setting the delay to complete a shard sync task as 0" and sets {@code shardSyncIntervalMillis(0)}, but
         * only after its lease-management factory has copied the 60 s default, so the scheduler's first shard sync
         * still sleeps 60 s before the KCL reads anything. Setting it before the factory is built removes that
         * minute from every test's start-up. The benchmarks keep (c1) and (c2) as documented.
         */
        static Settings forTests(long idleMillis) {
            return new Settings("c2-test", idleMillis, true, true);
        }
    }

    private final LocalClients clients;
    private final Settings settings;
    private final String applicationName;
    private Scheduler scheduler;
    private Thread thread;

    KclContender(LocalClients clients, Settings settings, String applicationName) {
        this.clients = clients;
        this.settings = settings;
        this.applicationName = applicationName;
    }

    @Override
    public void start(String streamArn, RecordListener listener) {
        // DynamoDB Local's ddblocal ARNs are rewritten for the adapter; a simulated service's us-east-1 ones are not
        boolean local = LocalArnStreamsClient.isLocal(streamArn);
        AmazonDynamoDBStreamsAdapterClient adapter = new AmazonDynamoDBStreamsAdapterClient(
                local ? LocalArnStreamsClient.wrap(clients.syncStreams) : clients.syncStreams, Region.US_EAST_1);
        StreamTracker tracker = StreamsSchedulerFactory.createSingleStreamTracker(
                local ? LocalArnStreamsClient.shown(streamArn) : streamArn,
                InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON));
        ConfigsBuilder configs = new ConfigsBuilder(tracker, applicationName, adapter, clients.dynamoDb,
                clients.cloudWatch, "worker-" + UUID.randomUUID(), () -> new Processor(listener));

        DynamoDBStreamsPollingConfig polling = new DynamoDBStreamsPollingConfig(adapter);
        polling.idleTimeBetweenReadsInMillis(settings.idleTimeBetweenReadsMillis());
        RetrievalConfig retrieval = configs.retrievalConfig().retrievalSpecificConfig(polling);
        MetricsConfig metrics = configs.metricsConfig().metricsFactory(new NullMetricsFactory());
        LeaseManagementConfig leases = configs.leaseManagementConfig();
        leases.workerUtilizationAwareAssignmentConfig().disableWorkerMetrics(true);
        if (settings.noShardSyncPause()) {
            leases.shardSyncIntervalMillis(0);
        }
        CoordinatorConfig coordinator = configs.coordinatorConfig();
        if (settings.tunedLeases()) {
            // KCL 3 assigns leases only to workers whose metric stats it has read: report them often
            leases.workerUtilizationAwareAssignmentConfig()
                    .workerMetricsReporterFreqInMillis(1_000)
                    .inMemoryWorkerMetricsCaptureFrequencyMillis(200);
            leases.failoverTimeMillis(1_000)
                    .leaseAssignmentIntervalMillis(500L)
                    .listShardsBackoffTimeInMillis(100);
            coordinator.parentShardPollIntervalMillis(100)
                    .shardConsumerDispatchPollIntervalMillis(100)
                    .schedulerInitializationBackoffTimeMillis(100);
        }
        scheduler = StreamsSchedulerFactory.createScheduler(configs.checkpointConfig(), coordinator, leases,
                configs.lifecycleConfig(), metrics, configs.processorConfig(), retrieval, adapter);
        thread = new Thread(scheduler, "kcl-" + settings.name());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        if (scheduler == null) {
            return;
        }
        try {
            scheduler.startGracefulShutdown().get(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("KCL graceful shutdown did not finish ({}); shutting down", e.toString());
        }
        scheduler.shutdown();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands records to the listener; checkpoints periodically. */
    private static final class Processor implements DynamoDBStreamsShardRecordProcessor {

        private final RecordListener listener;
        private long lastCheckpoint = System.nanoTime();

        Processor(RecordListener listener) {
            this.listener = listener;
        }

        @Override
        public void initialize(InitializationInput input) {
            log.debug("KCL processor for {} starts at {}", input.shardId(), input.extendedSequenceNumber());
        }

        @Override
        public void processRecords(DynamoDBStreamsProcessRecordsInput input) {
            for (DynamoDBStreamsClientRecord record : input.records()) {
                listener.onRecord(record.getRecord().dynamodb().keys().get("pk").s());
            }
            long now = System.nanoTime();
            if (!input.records().isEmpty() && now - lastCheckpoint >= TimeUnit.MILLISECONDS.toNanos(CHECKPOINT_INTERVAL_MILLIS)) {
                lastCheckpoint = now;
                try {
                    input.checkpointer().checkpoint();
                } catch (InvalidStateException | ShutdownException e) {
                    log.warn("KCL checkpoint failed: {}", e.toString());
                }
            }
        }

        @Override
        public void leaseLost(LeaseLostInput input) {
        }

        @Override
        public void shardEnded(ShardEndedInput input) {
            try {
                input.checkpointer().checkpoint();
            } catch (InvalidStateException | ShutdownException e) {
                log.warn("KCL checkpoint at shard end failed: {}", e.toString());
            }
        }

        @Override
        public void shutdownRequested(ShutdownRequestedInput input) {
            try {
                input.checkpointer().checkpoint();
            } catch (InvalidStateException | ShutdownException e) {
                log.debug("KCL checkpoint at shutdown failed: {}", e.toString());
            }
        }
    }
}
