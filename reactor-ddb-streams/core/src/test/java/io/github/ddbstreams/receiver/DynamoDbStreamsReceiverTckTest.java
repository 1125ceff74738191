package io.github.ddbstreams.receiver;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;

/**
 * The Reactive Streams TCK against {@link DynamoDbStreamsReceiver#receive()}: a disabled stream of one
 * closed shard holding exactly the number of records the TCK asks for, read to its end.
 */
public class DynamoDbStreamsReceiverTckTest extends PublisherVerification<ChangeRecord> {

    public DynamoDbStreamsReceiverTckTest() {
        super(new TestEnvironment(500, 100));
    }

    @Override
    public Publisher<ChangeRecord> createPublisher(long elements) {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
        fake.addShard("shard-1");
        if (elements > 0) {
            fake.putRecords("shard-1", (int) elements);
        }
        fake.disableStream();
        return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(fake)
                .streamArn(fake.streamArn())
                .maxRecordsPerRequest(7)
                .completeWhenStreamDisabled(true)
                .build())
                .receive();
    }

    @Override
    public Publisher<ChangeRecord> createFailedPublisher() {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
        return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(fake)
                .streamArn("arn:aws:dynamodb:ddblocal:000000000000:table/Missing/stream/2026-01-01T00:00:00.000")
                .build())
                .receive();
    }

    @Override
    public long maxElementsFromPublisher() {
        return 4096;
    }
}
