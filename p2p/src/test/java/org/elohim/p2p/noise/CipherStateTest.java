package org.elohim.p2p.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CipherStateTest {

    @Test
    void nonceIsFourZeroBytesThenLittleEndianCounter() {
        assertThat(HexFormat.of().formatHex(CipherState.nonceBytes(1))).isEqualTo("000000000100000000000000");
        assertThat(HexFormat.of().formatHex(CipherState.nonceBytes(0x0102030405060708L)))
                .isEqualTo("000000000807060504030201");
    }

    @Test
    void encryptDecryptAdvanceBothCountersAndRejectTampering() {
        byte[] key = new byte[32];
        key[0] = 7;
        CipherState tx = new CipherState(key);
        CipherState rx = new CipherState(key);
        for (int i = 0; i < 5; i++) {
            byte[] c = tx.encryptWithAd(new byte[] {1}, ("msg" + i).getBytes());
            assertThat(rx.decryptWithAd(new byte[] {1}, c)).isEqualTo(("msg" + i).getBytes());
        }
        assertThat(tx.nonce()).isEqualTo(5);
        byte[] c = tx.encryptWithAd(new byte[0], new byte[10]);
        c[3] ^= 1;
        assertThatThrownBy(() -> rx.decryptWithAd(new byte[0], c)).isInstanceOf(NoiseDecryptionException.class);
        assertThat(rx.nonce()).isEqualTo(5); // failed decryption does not advance
        assertThatThrownBy(() -> rx.decryptWithAd(new byte[0], new byte[15])).isInstanceOf(NoiseDecryptionException.class);
    }

    @Test
    void byteBufferFormsMatchArrayForms() {
        byte[] key = new byte[32];
        CipherState a = new CipherState(key);
        CipherState b = new CipherState(key);
        byte[] plain = new byte[1000];
        ByteBuffer out = ByteBuffer.allocateDirect(1016);
        b.encrypt(ByteBuffer.wrap(plain), out);
        out.flip();
        byte[] viaBuffer = new byte[out.remaining()];
        out.get(viaBuffer);
        assertThat(viaBuffer).isEqualTo(a.encryptWithAd(new byte[0], plain));
        CipherState r = new CipherState(key);
        ByteBuffer dec = ByteBuffer.allocate(1000);
        r.decrypt(ByteBuffer.wrap(viaBuffer), dec);
        assertThat(dec.array()).isEqualTo(plain);
    }
}
