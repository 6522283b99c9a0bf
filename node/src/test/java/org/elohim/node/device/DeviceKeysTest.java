package org.elohim.node.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DeviceKeysTest {

    @Test
    void deviceIdIsDerivedFromTheKeyAndStable() {
        TestDevice d = new TestDevice(1);
        assertThat(d.deviceId()).startsWith("dev-").hasSize(4 + 52).matches("dev-[a-z2-7]+");
        assertThat(DeviceKeys.deviceId(d.publicKey())).isEqualTo(d.deviceId());
        assertThat(new TestDevice(1).deviceId()).isNotEqualTo(d.deviceId()); // fresh key pair
    }

    @Test
    void base32MatchesRfc4648Vectors() {
        assertThat(DeviceKeys.base32("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("mzxw6ytboi");
        assertThat(DeviceKeys.base32("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("my");
    }

    @Test
    void signaturesVerifyOnlyForTheSignedBytesAndKey() {
        TestDevice d = new TestDevice(2);
        byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] sig = Base64.getUrlDecoder().decode(d.sign(msg));
        assertThat(DeviceKeys.verify(d.publicKey(), msg, sig)).isTrue();
        assertThat(DeviceKeys.verify(d.publicKey(), "hellO".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        assertThat(DeviceKeys.verify(new TestDevice(3).publicKey(), msg, sig)).isFalse();
        assertThat(DeviceKeys.verify(d.publicKey(), msg, new byte[10])).isFalse();
    }

    @Test
    void rawKeysMustBe32Bytes() {
        assertThatThrownBy(() -> DeviceKeys.deviceId(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceKeys.publicKey(new byte[33])).isInstanceOf(IllegalArgumentException.class);
    }
}
