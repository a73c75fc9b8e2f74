package io.pgha.proxy.net;

/** The two listeners, named as in metrics ({@code listener} tag). */
public enum Listener {
    RW("rw"), RO("ro");

    private final String tag;

    Listener(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
