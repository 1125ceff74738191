/**
 * Change records read from a DynamoDB stream: {@link io.github.ddbstreams.record.ChangeRecord}, its
 * checkpoint handle, the canonical identity of an item ({@link io.github.ddbstreams.record.ItemKey}: the one
 * form in which operators and sinks compare, hash and serialise item keys), sequence-number comparison and
 * conversions of attribute values to plain Java values,
 * the SDK's enhanced documents and the Lambda event JSON shape.
 */
package io.github.ddbstreams.record;
