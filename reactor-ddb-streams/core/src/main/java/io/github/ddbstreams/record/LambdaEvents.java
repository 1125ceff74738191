package io.github.ddbstreams.record;

import java.util.Map;

/** Renders a {@link ChangeRecord} in the shape of one element of a Lambda DynamoDB event's {@code Records}. */
final class LambdaEvents {

    private LambdaEvents() {
    }

    static String toJson(ChangeRecord record) {
        throw new UnsupportedOperationException("TODO");
    }

    static Map<String, Object> toMap(ChangeRecord record) {
        throw new UnsupportedOperationException("TODO");
    }
}
