package io.pgha.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Malformed and hostile request material for the fuzz test, deterministic (fixed seed). */
final class HostileInput {
    private HostileInput() {
    }

    static List<String> bodies(int n) {
        Random r = new Random(20261127);
        List<String> fixed = List.of("{", "}", "[]", "null", "42", "\"text\"", "{\"a\":}", "{'a':1}",
                "{\"failInterval\":[1,2]}", "{\"maxStandbys\":99999999999999999999}", "{\"maxStandbys\":1.5}",
                "{\"maxStandbyLag\":-5}", "{\"synchronousReplication\":\"yes\"}", "{\"initMode\":\"drop table\"}",
                "{\"pgParameters\":\"x\"}", "{\"pgParameters\":{\"a\":{\"b\":1}}}", "{\"candidate\":{}}",
                "{\"candidate\":\"../../etc/passwd\"}", "{\"uid\":\"../../etc\"}", "{\"uid\":\"\"}",
                "{\"uid\":\"a/b\"}", "{\"uid\":\"k\\u0000x\"}", "{\"priority\":\"high\"}", "{\"priority\":1e10}",
                "{\"scheduledAt\":12}", "{\"proxyTimeout\":\"1fortnight\"}", "{\"sleepInterval\":\"0s\"}",
                "{\"__proto__\":{}}", "{\"constructor\":1}", "\u0000\u0001\u0002");
        List<String> out = new ArrayList<>(fixed);
        out.add("[".repeat(5000) + "]".repeat(5000));
        out.add("{\"a\":".repeat(3000) + "1" + "}".repeat(3000));
        while (out.size() < n) {
            out.add(random(r));
        }
        return out;
    }

    private static String random(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < 1 + r.nextInt(60); i++) {
                    b.append((char) (32 + r.nextInt(95)));
                }
                yield b.toString();
            }
            // every structured body carries a field no endpoint knows, so none of them is a valid request
            case 1 -> "{\"" + field(r) + "\":" + value(r) + ",\"yy" + r.nextInt(1000) + "\":" + value(r) + "}";
            case 2 -> "{\"" + field(r) + "\":" + value(r) + ",\"" + field(r) + "\":" + value(r) + ",\"zz" + r.nextInt()
                    + "\":1}";
            case 3 -> "{\"" + field(r) + "\":" + "9".repeat(30 + r.nextInt(400)) + ",\"ww\":0}";
            default -> "{\"" + field(r) + "\":\"" + "x".repeat(r.nextInt(2000)) + "\"," + value(r) + "}";
        };
    }

    private static String field(Random r) {
        String[] f = {"failInterval", "maxStandbys", "synchronousReplication", "minSynchronousStandbys", "candidate",
                "uid", "priority", "noSync", "scheduledAt", "initMode", "pgParameters", "maxStandbyLag", "keeperAdmission"};
        return f[r.nextInt(f.length)];
    }

    private static String value(Random r) {
        String[] v = {"-1", "1e999", "\"\"", "[]", "{}", "true", "null", "\"-5s\"", "\"../x\"", "-99999999999",
                "\"\\ud800\"", "0.5", "\"a b\""};
        return v[r.nextInt(v.length)];
    }

    static List<String> paths() {
        return List.of("..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "a%00b", "%ff", "k1%0Aset", "-k", "_x",
                "a".repeat(300), "%20", "k1%3Bdrop", "%252e%252e");
    }
}
