package dev.rewind.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Directive parsing, and the token timing the pace directives produce. */
class FaultScriptTest {

    @Test
    void aModelWithoutScriptHasNoFaults() {
        assertThat(FaultScript.parse("sim-small")).isEqualTo(FaultScript.NONE);
        assertThat(FaultScript.parse(null)).isEqualTo(FaultScript.NONE);
        assertThat(FaultScript.baseModel("sim-small@status=503")).isEqualTo("sim-small");
    }

    @Test
    void parsesEveryDirective() {
        FaultScript script = FaultScript.parse("m@status=503x2,retry-after-ms=700,disconnect-after=4x1,stall-after=3,"
                + "error-after=2x5,malformed-after=6,split=random,length=9,tps=5,ttft=250,burst=4x300,keepalive=3,tools=2,reasoning=8,stamp=micros,"
                + "headers-delay=1200");

        assertThat(script.status()).isEqualTo(503);
        assertThat(script.statusAttempts()).isEqualTo(2);
        assertThat(script.retryAfterMs()).isEqualTo(700);
        assertThat(script.retryAfterForm()).isEqualTo(FaultScript.RetryAfterForm.MILLIS);
        assertThat(script.disconnect()).isEqualTo(new FaultScript.Trigger(4, 1));
        assertThat(script.stall()).isEqualTo(new FaultScript.Trigger(3, Integer.MAX_VALUE));
        assertThat(script.error()).isEqualTo(new FaultScript.Trigger(2, 5));
        assertThat(script.malformedAfter()).isEqualTo(6);
        assertThat(script.randomSplits()).isTrue();
        assertThat(script.length()).isEqualTo(9);
        assertThat(script.tokensPerSecond()).isEqualTo(5);
        assertThat(script.firstTokenDelayMs()).isEqualTo(250);
        assertThat(script.burst()).isEqualTo(new FaultScript.Burst(4, 300));
        assertThat(script.keepAliveEvery()).isEqualTo(3);
        assertThat(script.toolCalls()).isEqualTo(2);
        assertThat(script.reasoningTokens()).isEqualTo(8);
        assertThat(script.stamp()).isTrue();
        assertThat(script.headersDelayMs()).isEqualTo(1200);
    }

    @Test
    void triggersFireOnlyAtTheirTokenOnTheFirstAttempts() {
        FaultScript.Trigger trigger = FaultScript.parse("m@disconnect-after=4x2").disconnect();
        assertThat(trigger.fires(4, 1)).isTrue();
        assertThat(trigger.fires(4, 2)).isTrue();
        assertThat(trigger.fires(4, 3)).isFalse();
        assertThat(trigger.fires(3, 1)).isFalse();
        assertThat(FaultScript.Trigger.NEVER.fires(0, 1)).isFalse();
    }

    @Test
    void retryAfterFormsKeepTheLastGiven() {
        assertThat(FaultScript.parse("m@retry-after=2").retryAfterMs()).isEqualTo(2000);
        assertThat(FaultScript.parse("m@retry-after-date=3").retryAfterForm()).isEqualTo(FaultScript.RetryAfterForm.HTTP_DATE);
    }

    @Test
    void refusesBadDirectivesNamingThem() {
        for (String bad : new String[] {"m@explode=1", "m@stamp=on", "m@status", "m@status=abc", "m@status=42", "m@split=even", "m@burst=5",
                "m@burst=0x10", "m@tools=0", "m@keepalive=-1", "m@tps=x", "m@reasoning=99999999999", "m@length=100001", "m@tools=65", "m@ttft=60001", "m@burst=2x60001", "m@headers-delay=60001"}) {
            assertThatThrownBy(() -> FaultScript.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad.substring(2).split("=")[0]);
        }
    }

    @Test
    void burstsPauseBeforeEveryKthTokenOnTopOfTheRate() {
        SimConfig config = new SimConfig("127.0.0.1", 0, 10, 150, null, 1 << 20);
        TokenPace pace = TokenPace.of(config, FaultScript.parse("m@burst=3x500"));

        assertThat(pace.before(0)).isEqualTo(150);
        assertThat(pace.before(1)).isEqualTo(100);
        assertThat(pace.before(2)).isEqualTo(100);
        assertThat(pace.before(3)).isEqualTo(600);
        assertThat(pace.before(6)).isEqualTo(600);
        TokenPace backToBack = TokenPace.of(config, FaultScript.parse("m@tps=0,ttft=20,burst=2x40"));
        assertThat(backToBack.before(0)).isEqualTo(20);
        assertThat(backToBack.before(1)).isZero();
        assertThat(backToBack.before(2)).isEqualTo(40);
        assertThat(TokenPace.of(config, FaultScript.NONE).before(5)).isEqualTo(100);
    }
}
