package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SequenceNumbersTest {

    @Test
    void compare_fortyDigitNumbers_byNumericValue() {
        String a = "4000000000000000000000000000000000000000";
        String b = "4000000000000000000000000000000000000001";
        String c = "999999999999999999999999999999999999999";

        assertThat(SequenceNumbers.compare(a, b)).isNegative();
        assertThat(SequenceNumbers.compare(b, a)).isPositive();
        assertThat(SequenceNumbers.compare(c, a)).isNegative();
        assertThat(SequenceNumbers.compare(a, a)).isZero();
    }

    @Test
    void compare_leadingZeros_areEqual() {
        assertThat(SequenceNumbers.compare("000000000000000000010", "10")).isZero();
        assertThat(SequenceNumbers.compare("0", "000")).isZero();
        assertThat(SequenceNumbers.compare("9", "000000000000000000010")).isNegative();
        assertThat(SequenceNumbers.compare("000000000000000000100", "99")).isPositive();
    }

    @Test
    void compare_invalidInput_namesTheArgument() {
        assertThatThrownBy(() -> SequenceNumbers.compare("12a", "1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a must be a sequence number of decimal digits, was '12a'");
        assertThatThrownBy(() -> SequenceNumbers.compare("1", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("b must be a sequence number of decimal digits, was empty");
        assertThatThrownBy(() -> SequenceNumbers.compare("1", "-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'-1'");
        assertThatThrownBy(() -> SequenceNumbers.compare("1", " 1"))
                .isInstanceOf(IllegalArgumentException.class);
        // Non-ASCII digits pass Character.isDigit but are not sequence numbers.
        assertThatThrownBy(() -> SequenceNumbers.compare("\u0661", "1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SequenceNumbers.compare(null, "1"))
                .isInstanceOf(NullPointerException.class).hasMessage("a");
    }

    @Test
    void requireValid_returnsInputOrNamesTheField() {
        assertThat(SequenceNumbers.requireValid("00042", "seq")).isEqualTo("00042");
        assertThatThrownBy(() -> SequenceNumbers.requireValid("4.2", "seq"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("seq must be a sequence number of decimal digits, was '4.2'");
        assertThatThrownBy(() -> SequenceNumbers.requireValid(null, "seq"))
                .isInstanceOf(NullPointerException.class).hasMessage("seq");
    }

    @Test
    void comparator_isConsistentWithBigInteger_onRandomSamples() {
        Random random = new Random(20240101L);
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            samples.add(randomSequenceNumber(random));
        }
        // Near-equal pairs are where a length or digit bug would hide.
        samples.add("0");
        samples.add("00");
        samples.add("1");
        samples.add("10");
        samples.add("09");

        for (String a : samples) {
            for (String b : samples) {
                int expected = Integer.signum(new BigInteger(a).compareTo(new BigInteger(b)));
                assertThat(Integer.signum(SequenceNumbers.COMPARATOR.compare(a, b)))
                        .as("compare(%s, %s)", a, b).isEqualTo(expected);
            }
        }
    }

    @Test
    void comparator_sortsLikeBigInteger() {
        Random random = new Random(7L);
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            samples.add(randomSequenceNumber(random));
        }
        List<String> byComparator = new ArrayList<>(samples);
        byComparator.sort(SequenceNumbers.COMPARATOR);
        List<BigInteger> byBigInteger = samples.stream().map(BigInteger::new).sorted().toList();

        assertThat(byComparator.stream().map(BigInteger::new).toList()).isEqualTo(byBigInteger);
    }

    private static String randomSequenceNumber(Random random) {
        // Up to 40 digits with up to 21 leading zeros (DynamoDB Local pads), and a shared prefix half the
        // time so that many pairs differ only in their last digits.
        int zeros = random.nextInt(4) == 0 ? random.nextInt(22) : 0;
        StringBuilder sb = new StringBuilder("0".repeat(zeros));
        if (random.nextBoolean()) {
            sb.append("4421584500000000");
        }
        int digits = 1 + random.nextInt(24);
        for (int i = 0; i < digits; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        return sb.toString();
    }
}
