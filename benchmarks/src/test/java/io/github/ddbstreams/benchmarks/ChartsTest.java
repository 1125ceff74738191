package io.github.ddbstreams.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChartsTest {

    @Test
    void threeFigures_keepsThreeSignificantFigures_andWholeNumbersFromOneThousand() {
        assertThat(Charts.threeFigures(79_978.704)).isEqualTo(79_979.0);
        assertThat(Charts.threeFigures(124.114)).isEqualTo(124.0);
        assertThat(Charts.threeFigures(15.471)).isEqualTo(15.5);
        assertThat(Charts.threeFigures(1.086)).isEqualTo(1.09);
        assertThat(Charts.threeFigures(0.02134)).isEqualTo(0.0213);
        assertThat(Charts.threeFigures(0)).isZero();
    }
}
