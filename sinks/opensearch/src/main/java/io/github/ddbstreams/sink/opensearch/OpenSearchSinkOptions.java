package io.github.ddbstreams.sink.opensearch;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.github.ddbstreams.RetryOptions;
import io.github.ddbstreams.internal.OptionsSupport;
import io.github.ddbstreams.record.ChangeRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.opensearch.client.opensearch.OpenSearchAsyncClient;
import org.opensearch.client.opensearch._types.Refresh;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Options of {@link OpenSearchSink}. Immutable; made with {@link #builder()}.
 *
 * <p>Required: where to write — a {@link Builder#client(OpenSearchAsyncClient) client} (the sink never closes
 * it) or an {@link Builder#endpoint(URI) endpoint} (the sink creates a client and closes it in
 * {@code disposeLater()}) — and the target index, {@link Builder#index(String) fixed} or
 * {@link Builder#indexResolver(Function) chosen per record}.
 *
 * <p>Memory: a write holds its batch's serialized documents; at most {@link #maxConcurrentRequests()} bulk
 * requests of at most {@link #maxBulkActions()} actions and about {@link #maxBulkBytes()} bytes each are in
 * flight for the whole sink; further requests wait (no queue grows beyond the writes its callers have in
 * flight).
 *
 * <pre>{@code
 * OpenSearchSinkOptions options = OpenSearchSinkOptions.builder()
 *     .endpoint(URI.create("http://localhost:9200"))
 *     .index("orders")
 *     .maxConcurrentRequests(4)
 *     .build();
 * }</pre>
 */
public final class OpenSearchSinkOptions {

    /** By default the sink's name (meter tag) is {@value}. */
    public static final String DEFAULT_NAME = "opensearch";
    /** By default a bulk request holds at most {@value} actions. */
    public static final int DEFAULT_MAX_BULK_ACTIONS = 1000;
    /** By default a bulk request holds about 5 MiB at most (a single larger document is sent alone). */
    public static final long DEFAULT_MAX_BULK_BYTES = 5L * 1024 * 1024;
    /** By default at most {@value} bulk requests are in flight for the whole sink. */
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 4;
    /** By default a request or an item answered 429 / 5xx (or unreachable server) is retried {@value} times. */
    public static final int DEFAULT_MAX_RETRIES = 5;
    /** By default the first retry waits about 100 ms (doubled each time, jittered). */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    /** By default a retry waits at most about 5 s. */
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(5);
    /** By default bulk requests do not refresh the index (OpenSearch refreshes every second). */
    public static final Refresh DEFAULT_REFRESH = Refresh.False;
    /** By default writes are guarded by sequence numbers: a replayed older change never wins. */
    public static final OpenSearchVersioning DEFAULT_VERSIONING = OpenSearchVersioning.SEQUENCE_NUMBER;

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;
    private final Function<ChangeRecord, String> indexResolver;

    private OpenSearchSinkOptions(Builder b) {
        this.s = b.copy();
        this.indexResolver = b.index != null ? constant(b.index) : b.indexResolver;
    }

    private static Function<ChangeRecord, String> constant(String index) {
        return record -> index;
    }

    /** A builder with every option at its default; a client or endpoint and an index must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The user's client (never closed by the sink), or {@code null} when the sink creates one for {@link #endpoint()}. */
    public OpenSearchAsyncClient client() {
        return s.client;
    }

    /** The endpoint the sink creates (and owns) a client for, or {@code null} when a client was given. */
    public URI endpoint() {
        return s.endpoint;
    }

    /** The index of every record when it is fixed, or {@code null} when a resolver chooses it. */
    public String index() {
        return s.index;
    }

    /** Chooses the index of a record (a constant function when {@link #index()} is set). */
    public Function<ChangeRecord, String> indexResolver() {
        return indexResolver;
    }

    /**
     * Derives the document id of a record; default {@link OpenSearchDocuments#documentId(io.github.ddbstreams.record.ItemKey)}
     * of its {@link ChangeRecord#itemKey() item key}, one id per item however its key was written.
     */
    public Function<ChangeRecord, String> documentId() {
        return s.documentId;
    }

    /** Maps an INSERT or MODIFY record to its document; default {@link OpenSearchDocuments#fromImage} of its new image. */
    public Function<ChangeRecord, Map<String, Object>> documentMapper() {
        return s.documentMapper;
    }

    /** How replayed older changes are kept from overwriting newer documents. */
    public OpenSearchVersioning versioning() {
        return s.versioning;
    }

    /** The most actions in one bulk request. */
    public int maxBulkActions() {
        return s.maxBulkActions;
    }

    /** The most bytes (estimated from the serialized documents) in one bulk request. */
    public long maxBulkBytes() {
        return s.maxBulkBytes;
    }

    /** The most bulk requests in flight for the whole sink. */
    public int maxConcurrentRequests() {
        return s.maxConcurrentRequests;
    }

    /**
     * How many times a failed request, or a failed item, answered 429 or 5xx is retried by the sink
     * ({@link #retry()}'s; {@code Integer.MAX_VALUE} when that allows more).
     */
    public int maxRetries() {
        return (int) Math.min(s.retryOptions.maxRetries(), Integer.MAX_VALUE);
    }

    /** The backoff before the first retry (doubled each retry, ±50% jitter). */
    public Duration retryBackoff() {
        return s.retryOptions.retryBackoff();
    }

    /** The longest backoff between retries. */
    public Duration maxRetryBackoff() {
        return s.retryOptions.maxRetryBackoff();
    }

    /**
     * How failed bulk requests and items (429, 5xx, unreachable server) are retried: {@code maxRetries}, {@code retryBackoff}, {@code maxRetryBackoff}
     * and the jitter in one value.
     *
     * <pre>{@code
     * options.toBuilder().retry(options.retry().toBuilder().maxRetries(10).build()).build();
     * }</pre>
     */
    public RetryOptions retry() {
        return s.retryOptions;
    }

    /** The refresh policy of bulk requests. */
    public Refresh refresh() {
        return s.refresh;
    }

    /** The scheduler of retry backoffs. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    /** Where the sink's meters go, or {@code null}: none (Micrometer need not be on the classpath). */
    public MeterRegistry meterRegistry() {
        return s.meterRegistry;
    }

    /** Where the sink's observations go, or {@code null}: none. */
    public ObservationRegistry observationRegistry() {
        return s.observationRegistry;
    }

    /** The sink's name: its {@code sink} meter tag and log prefix. */
    public String name() {
        return s.name;
    }

    @Override
    public String toString() {
        return "OpenSearchSinkOptions{name=" + s.name
                + (s.client != null ? ", client=given" : ", endpoint=" + s.endpoint)
                + ", index=" + (s.index != null ? s.index : "<resolver>")
                + ", versioning=" + s.versioning + ", maxBulkActions=" + s.maxBulkActions
                + ", maxBulkBytes=" + s.maxBulkBytes + ", maxConcurrentRequests=" + s.maxConcurrentRequests
                + ", retry=" + s.retryOptions + ", refresh=" + s.refresh.jsonValue()
                + ", meters=" + (s.meterRegistry != null) + ", observations=" + (s.observationRegistry != null) + "}";
    }

    /** Builds {@link OpenSearchSinkOptions}. Not thread-safe. */
    public static final class Builder implements Cloneable {

        private OpenSearchAsyncClient client;
        private URI endpoint;
        private String index;
        private Function<ChangeRecord, String> indexResolver;
        private Function<ChangeRecord, String> documentId = record -> OpenSearchDocuments.documentId(record.itemKey());
        private Function<ChangeRecord, Map<String, Object>> documentMapper = Builder::defaultDocument;
        private OpenSearchVersioning versioning = DEFAULT_VERSIONING;
        private int maxBulkActions = DEFAULT_MAX_BULK_ACTIONS;
        private long maxBulkBytes = DEFAULT_MAX_BULK_BYTES;
        private int maxConcurrentRequests = DEFAULT_MAX_CONCURRENT_REQUESTS;
        private RetryOptions.Builder retry = RetryOptions.builder().maxRetries(DEFAULT_MAX_RETRIES)
                .retryBackoff(DEFAULT_RETRY_BACKOFF).maxRetryBackoff(DEFAULT_MAX_RETRY_BACKOFF);
        private RetryOptions retryOptions;
        private Refresh refresh = DEFAULT_REFRESH;
        private Scheduler scheduler = Schedulers.parallel();
        private MeterRegistry meterRegistry;
        private ObservationRegistry observationRegistry;
        private String name = DEFAULT_NAME;

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            Builder c = OptionsSupport.copy(this::clone);
            c.retry = retryOptions.toBuilder();
            return c;
        }

        private static Map<String, Object> defaultDocument(ChangeRecord record) {
            if (record.newImage().isEmpty()) {
                throw new IllegalArgumentException("record " + record.sequenceNumber() + " has no new image: the"
                        + " stream's view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES, or set a documentMapper");
            }
            return OpenSearchDocuments.fromImage(record.newImage());
        }

        /** A client to write with; the sink never closes it. Exclusive with {@link #endpoint(URI)}. */
        public Builder client(OpenSearchAsyncClient client) {
            this.client = client;
            return this;
        }

        /**
         * An endpoint such as {@code http://localhost:9200}: the sink creates an {@link OpenSearchAsyncClient}
         * (Apache HttpClient 5 transport, Jackson mapper) and closes it in {@code disposeLater()}. Exclusive with
         * {@link #client(OpenSearchAsyncClient)}.
         */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** The index (or alias) of every record. Exclusive with {@link #indexResolver(Function)}. */
        public Builder index(String index) {
            this.index = index;
            return this;
        }

        /** Chooses the index of each record (e.g. per table); must not return null. Exclusive with {@link #index(String)}. */
        public Builder indexResolver(Function<ChangeRecord, String> indexResolver) {
            this.indexResolver = indexResolver;
            return this;
        }

        /** Derives the document id of a record; default: the key attributes (see {@link OpenSearchDocuments#documentId}). */
        public Builder documentId(Function<ChangeRecord, String> documentId) {
            this.documentId = Objects.requireNonNull(documentId, "documentId");
            return this;
        }

        /**
         * Maps an INSERT or MODIFY record to the document (JSON-serializable values: strings, numbers, booleans,
         * null, lists, maps); default: {@link OpenSearchDocuments#fromImage} of the new image. A mapper that
         * throws fails that record only.
         */
        public Builder documentMapper(Function<ChangeRecord, Map<String, Object>> documentMapper) {
            this.documentMapper = Objects.requireNonNull(documentMapper, "documentMapper");
            return this;
        }

        /** How replays are kept from overwriting newer documents; default {@link OpenSearchVersioning#SEQUENCE_NUMBER}. */
        public Builder versioning(OpenSearchVersioning versioning) {
            this.versioning = Objects.requireNonNull(versioning, "versioning");
            return this;
        }

        /** The most actions per bulk request; at least 1; default {@value OpenSearchSinkOptions#DEFAULT_MAX_BULK_ACTIONS}. */
        public Builder maxBulkActions(int maxBulkActions) {
            this.maxBulkActions = maxBulkActions;
            return this;
        }

        /** The most bytes per bulk request (a larger single document is sent alone); at least 1 KiB; default 5 MiB. */
        public Builder maxBulkBytes(long maxBulkBytes) {
            this.maxBulkBytes = maxBulkBytes;
            return this;
        }

        /** The most bulk requests in flight for the whole sink; at least 1; default {@value OpenSearchSinkOptions#DEFAULT_MAX_CONCURRENT_REQUESTS}. */
        public Builder maxConcurrentRequests(int maxConcurrentRequests) {
            this.maxConcurrentRequests = maxConcurrentRequests;
            return this;
        }

        /** Retries of a request or item answered 429 / 5xx (or a server not reachable); zero or more; default {@value OpenSearchSinkOptions#DEFAULT_MAX_RETRIES}. */
        public Builder maxRetries(int maxRetries) {
            this.retry.maxRetries(maxRetries);
            return this;
        }

        /** The backoff before the first retry; positive; default 100 ms. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retry.retryBackoff(retryBackoff);
            return this;
        }

        /** The longest backoff; at least {@code retryBackoff}; default 5 s. */
        public Builder maxRetryBackoff(Duration maxRetryBackoff) {
            this.retry.maxRetryBackoff(maxRetryBackoff);
            return this;
        }

        /**
         * How failed bulk requests and items (429, 5xx, unreachable server) are retried, in one value (replaces {@code maxRetries}, {@code retryBackoff}
         * and {@code maxRetryBackoff}, which later calls change in turn).
         *
         * <pre>{@code
         * builder.retry(RetryOptions.builder().maxRetries(5).retryBackoff(Duration.ofMillis(50)).build());
         * }</pre>
         */
        public Builder retry(RetryOptions retry) {
            this.retry = Objects.requireNonNull(retry, "retry").toBuilder();
            return this;
        }

        /** The refresh policy of each bulk request; default {@link Refresh#False} (none). */
        public Builder refresh(Refresh refresh) {
            this.refresh = Objects.requireNonNull(refresh, "refresh");
            return this;
        }

        /** The scheduler of retry backoffs; default {@link Schedulers#parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Registers {@code ddb.streams.sink.*} meters here; {@code null} (the default): none. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** Records a {@code ddb.streams.sink.write} observation per write here; {@code null} (the default): none. */
        public Builder observationRegistry(ObservationRegistry observationRegistry) {
            this.observationRegistry = observationRegistry;
            return this;
        }

        /** The sink's name (a bounded meter tag value); default {@value OpenSearchSinkOptions#DEFAULT_NAME}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Validates and builds the options.
         *
         * @throws IllegalArgumentException naming the offending option
         */
        public OpenSearchSinkOptions build() {
            if ((client == null) == (endpoint == null)) {
                throw new IllegalArgumentException("exactly one of client and endpoint must be set");
            }
            if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
                    || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
                throw new IllegalArgumentException("endpoint must be an http or https URI with a host, was " + endpoint);
            }
            if ((index == null) == (indexResolver == null)) {
                throw new IllegalArgumentException("exactly one of index and indexResolver must be set");
            }
            if (index != null && index.isBlank()) {
                throw new IllegalArgumentException("index must not be blank");
            }
            OptionsSupport.require(maxBulkActions >= 1, "maxBulkActions", "be at least 1", maxBulkActions);
            OptionsSupport.require(maxBulkBytes >= 1024, "maxBulkBytes", "be at least 1024", maxBulkBytes);
            OptionsSupport.require(maxConcurrentRequests >= 1, "maxConcurrentRequests",
                    "be at least 1", maxConcurrentRequests);
            retryOptions = retry.build();
            OptionsSupport.require(!retryOptions.retryBackoff().isZero(), "retryBackoff",
                    "be positive", retryOptions.retryBackoff());
            OptionsSupport.requireNotBlank(name, "name");
            return new OpenSearchSinkOptions(this);
        }
    }
}
