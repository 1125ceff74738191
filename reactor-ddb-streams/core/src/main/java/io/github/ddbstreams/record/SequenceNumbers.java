package io.github.ddbstreams.record;

import java.util.Comparator;
import java.util.Objects;

/**
 * Numeric comparison of DynamoDB Streams sequence numbers.
 *
 * <p>Sequence numbers are decimal strings of up to about 40 digits (DynamoDB Local pads them with zeros
 * to 21 digits): they do not fit a {@code long} and must not be compared as strings of different
 * lengths. This class compares them by numeric value without allocating.
 *
 * <pre>{@code
 * SequenceNumbers.compare("9", "000000000000000000010") // < 0
 * }</pre>
 */
public final class SequenceNumbers {

    /** Orders sequence numbers by numeric value. */
    public static final Comparator<String> COMPARATOR = SequenceNumbers::compare;

    private SequenceNumbers() {
    }

    /**
     * Compares two sequence numbers numerically.
     *
     * @return a negative number, zero or a positive number as {@code a} is below, equal to or above {@code b}
     * @throws IllegalArgumentException if either is not a non-empty string of decimal digits
     */
    public static int compare(String a, String b) {
        int startA = firstSignificant(a, "a");
        int startB = firstSignificant(b, "b");
        int lengthA = a.length() - startA;
        int lengthB = b.length() - startB;
        if (lengthA != lengthB) {
            return Integer.compare(lengthA, lengthB);
        }
        for (int i = 0; i < lengthA; i++) {
            int diff = a.charAt(startA + i) - b.charAt(startB + i);
            if (diff != 0) {
                return diff;
            }
        }
        return 0;
    }

    /** How many digits {@link #padded} pads to: DynamoDB Streams sequence numbers have at most about 40. */
    public static final int PADDED_DIGITS = 40;

    /**
     * The sequence number left-padded with zeros to {@value #PADDED_DIGITS} digits, so that padded sequence
     * numbers sort as strings in numeric order (a DynamoDB sort key, a condition expression's {@code <=}). The one
     * encoding of sequence numbers as sortable strings: the checkpoint store, the sinks and the samples use it. A
     * number with more significant digits (DynamoDB Streams issues none) loses its leading zeros instead and no
     * longer sorts correctly: callers that need the order refuse a result longer than {@value #PADDED_DIGITS}.
     *
     * <pre>{@code
     * SequenceNumbers.padded("10") // "0000000000000000000000000000000000000010"
     * }</pre>
     *
     * @throws IllegalArgumentException if it is not a non-empty string of decimal digits
     */
    public static String padded(String sequenceNumber) {
        int first = firstSignificant(sequenceNumber, "sequenceNumber");
        int padding = PADDED_DIGITS - sequenceNumber.length();
        if (padding >= 0) {
            return padding == 0 ? sequenceNumber : "0".repeat(padding) + sequenceNumber;
        }
        return sequenceNumber.length() - first <= PADDED_DIGITS
                ? sequenceNumber.substring(sequenceNumber.length() - PADDED_DIGITS)
                : sequenceNumber.substring(first);
    }

    /**
     * Checks that {@code sequenceNumber} is a valid sequence number and returns it.
     *
     * @throws IllegalArgumentException naming the problem when it is not
     */
    public static String requireValid(String sequenceNumber, String name) {
        firstSignificant(sequenceNumber, name);
        return sequenceNumber;
    }

    private static int firstSignificant(String s, String name) {
        Objects.requireNonNull(s, name);
        int n = s.length();
        if (n == 0) {
            throw new IllegalArgumentException(name + " must be a sequence number of decimal digits, was empty");
        }
        int first = -1;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException(name + " must be a sequence number of decimal digits, was '"
                        + s + "'");
            }
            if (first < 0 && c != '0') {
                first = i;
            }
        }
        return first < 0 ? n : first;
    }
}
