package io.github.ddbstreams.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Random;

import io.github.ddbstreams.record.SequenceNumbers;
import org.junit.jupiter.api.Test;

class SequenceNumberEncodingTest {

    @Test
    void encode_whenDynamoDbLocal21Digits_padsTo40() {
        assertThat(SequenceNumberEncoding.encode("000000000000000000123"))
                .isEqualTo("0".repeat(37) + "123").hasSize(40);
    }

    @Test
    void encode_whenAws40Digits_keepsThem() {
        String aws = "4" + "0".repeat(20) + "123456789012345678";
        assertThat(aws).hasSize(39);
        assertThat(SequenceNumberEncoding.encode(aws)).isEqualTo("0" + aws);
        String forty = "9".repeat(40);
        assertThat(SequenceNumberEncoding.encode(forty)).isSameAs(forty);
    }

    @Test
    void encode_whenLeadingZerosBeyond40_stripsThem() {
        assertThat(SequenceNumberEncoding.encode("0".repeat(45) + "7")).isEqualTo("0".repeat(39) + "7");
        assertThat(SequenceNumberEncoding.encode("0")).isEqualTo("0".repeat(40));
        assertThat(SequenceNumberEncoding.encode("000" + "1".repeat(40))).isEqualTo("1".repeat(40));
    }

    @Test
    void encode_whenMoreThan40SignificantDigitsOrNotDigits_rejects() {
        assertThatThrownBy(() -> SequenceNumberEncoding.encode("1" + "0".repeat(40)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("41 significant digits");
        assertThatThrownBy(() -> SequenceNumberEncoding.encode("12a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SequenceNumberEncoding.encode("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encode_ordersAsStringsExactlyAsTheNumbersCompare() {
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            String a = randomSequenceNumber(random);
            String b = random.nextInt(10) == 0 ? a : randomSequenceNumber(random);
            int byValue = Integer.signum(SequenceNumbers.compare(a, b));
            int asStrings = Integer.signum(SequenceNumberEncoding.encode(a).compareTo(SequenceNumberEncoding.encode(b)));
            assertThat(asStrings).as("%s vs %s", a, b).isEqualTo(byValue);
            assertThat(byValue).isEqualTo(new BigInteger(a).compareTo(new BigInteger(b)));
        }
    }

    private static String randomSequenceNumber(Random random) {
        int digits = 1 + random.nextInt(40);
        StringBuilder s = new StringBuilder("0".repeat(random.nextInt(4)));
        for (int i = 0; i < digits; i++) {
            s.append((char) ('0' + random.nextInt(10)));
        }
        return s.toString();
    }
}
