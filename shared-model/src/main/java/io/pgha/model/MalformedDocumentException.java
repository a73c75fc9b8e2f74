package io.pgha.model;

/** A stored or submitted JSON document that cannot be read; it is reported, never overwritten blindly. */
public class MalformedDocumentException extends RuntimeException {
    private final String what;

    public MalformedDocumentException(String what, String reason) {
        super("malformed " + what + ": " + reason);
        this.what = what;
    }

    public String what() {
        return what;
    }
}
