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
