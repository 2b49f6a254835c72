package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyRedactorTest {

  @Test
  void removesTheKeyAndItsBareForm() {
    KeyRedactor redactor = new KeyRedactor("sk-abcdef123456");

    assertThat(redactor.redact("token sk-abcdef123456 is invalid; abcdef123456 expired"))
        .isEqualTo("token [redacted] is invalid; [redacted] expired");
  }

  @Test
  void removesShortKeysToo() {
    assertThat(new KeyRedactor("k3y").redact("bad token k3y")).isEqualTo("bad token [redacted]");
    assertThat(new KeyRedactor("sk-short").redact("sk-short, short")).isEqualTo("[redacted], short");
  }

  @Test
  void leavesTextWithoutTheKeyAlone() {
    assertThat(new KeyRedactor("sk-abcdef123456").redact("quota used up")).isEqualTo("quota used up");
  }
}
