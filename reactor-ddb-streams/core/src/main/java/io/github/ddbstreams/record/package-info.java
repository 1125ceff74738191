/**
 * Change records read from a DynamoDB stream: {@link io.github.ddbstreams.record.ChangeRecord}, its
 * checkpoint handle, sequence-number comparison and conversions of attribute values to plain Java values,
 * the SDK's enhanced documents and the Lambda event JSON shape.
 */
package io.github.ddbstreams.record;
