package io.github.ddbstreams.sink.dynamodb;

import io.github.ddbstreams.record.SequenceNumbers;

/**
 * The form of a stream sequence number stored in the replica's hidden attribute: the decimal digits without
 * leading zeros, left-padded with zeros to {@value #WIDTH} characters. Two encoded numbers compare as strings
 * (DynamoDB compares strings by their UTF-8 bytes) exactly as the numbers compare by value, which is what the
 * condition {@code #seq < :seq} needs. {@value #WIDTH} digits is the longest sequence number the DynamoDB
 * Streams API returns (its documented maximum length), and covers DynamoDB Local's 21-digit ones. The padding
 * is {@link SequenceNumbers#padded}; this class only refuses what it cannot order.
 */
final class SequenceNumberEncoding {

    /** The width of an encoded sequence number: DynamoDB Streams' maximum sequence number length. */
    static final int WIDTH = SequenceNumbers.PADDED_DIGITS;

    private SequenceNumberEncoding() {
    }

    /**
     * The fixed-width form of a sequence number.
     *
     * @throws IllegalArgumentException if it is not a string of decimal digits, or has more than
     *     {@value #WIDTH} significant digits (it would not sort correctly)
     */
    static String encode(String sequenceNumber) {
        String padded = SequenceNumbers.padded(sequenceNumber);
        if (padded.length() > WIDTH) {
            throw new IllegalArgumentException("sequenceNumber has " + padded.length() + " significant digits, more"
                    + " than " + WIDTH + " that the replica's sequence attribute can order: " + sequenceNumber);
        }
        return padded;
    }
}
