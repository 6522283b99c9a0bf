package org.elohim.node.automergerepo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The frames captured from a stock automerge-repo server and clients (complete ones only). */
final class GoldenFrames {
    record Frame(int number, String direction, String type, byte[] bytes) {
    }

    private GoldenFrames() {
    }

    static List<Frame> load() {
        try (InputStream in = GoldenFrames.class.getResourceAsStream("automerge-repo-frames.txt")) {
            if (in == null) throw new IllegalStateException("golden frames resource missing");
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            List<Frame> out = new ArrayList<>();
            for (int i = 0; i + 1 < lines.length; i++) {
                String head = lines[i];
                if (!head.startsWith("#")) continue;
                String hexLine = lines[i + 1].trim();
                if (!hexLine.startsWith("raw cbor hex: ") || hexLine.contains("…")) continue;
                String[] parts = head.split(" ");
                int number = Integer.parseInt(parts[0].substring(1));
                String type = head.substring(head.indexOf("type=") + 5, head.lastIndexOf(' ', head.lastIndexOf(" bytes") - 1));
                out.add(new Frame(number, parts[1], type,
                        HexFormat.of().parseHex(hexLine.substring("raw cbor hex: ".length()))));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
