package io.github.ddbstreams.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class OptionsSupportTest {

    /** A builder as the options classes write it: cloneable, copied through OptionsSupport. */
    private static final class Settings implements Cloneable {
        private Duration interval = Duration.ofSeconds(1);

        Settings copy() {
            return OptionsSupport.copy(this::clone);
        }
    }

    /** A builder that forgot to implement Cloneable. */
    private static final class NotCloneable {
        NotCloneable copy() {
            return OptionsSupport.copy(this::clone);
        }
    }

    @Test
    void copy_givesAnIndependentShallowCopy() {
        Settings original = new Settings();
        Settings copy = original.copy();
        copy.interval = Duration.ofSeconds(2);

        assertThat(copy).isNotSameAs(original);
        assertThat(original.interval).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void copy_whenTheBuilderIsNotCloneable_failsNamingTheRule() {
        assertThatThrownBy(() -> new NotCloneable().copy())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("an options builder must be Cloneable");
    }

    @Test
    void require_namesTheOptionTheRuleAndTheValue() {
        assertThatThrownBy(() -> OptionsSupport.require(false, "maxSize", "be >= 1", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxSize must be >= 1, was 0");
        assertThatCode(() -> OptionsSupport.require(true, "maxSize", "be >= 1", 1)).doesNotThrowAnyException();
    }

    @Test
    void requireAboveZero_acceptsZeroOnlyWhenAllowedAndNamesANullOption() {
        assertThat(OptionsSupport.requireAboveZero(Duration.ZERO, "idleAfter", true)).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> OptionsSupport.requireAboveZero(Duration.ZERO, "commitInterval", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("commitInterval must be > 0, was PT0S");
        assertThatThrownBy(() -> OptionsSupport.requireAboveZero(Duration.ofMillis(-1), "idleAfter", true))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("idleAfter must be >= 0, was PT-0.001S");
        assertThatThrownBy(() -> OptionsSupport.requireAboveZero(null, "commitInterval", false))
                .isInstanceOf(NullPointerException.class).hasMessage("commitInterval");
    }

    @Test
    void requirePositiveAndNotBlank_nameTheOption() {
        assertThatThrownBy(() -> OptionsSupport.requirePositive(Duration.ZERO, "timeToLive"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeToLive must be positive, was PT0S");
        assertThatThrownBy(() -> OptionsSupport.requireNotBlank(" ", "name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank");
    }
}
