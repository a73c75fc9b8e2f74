package io.pgha.model;

/** A stored or submitted JSON document that cannot be read; it is reported, never overwritten blindly. */
public class MalformedDocumentException extends RuntimeException {
    private final String what;
    private final String field;

    public MalformedDocumentException(String what, String reason) {
        this(what, "", reason);
    }

    public MalformedDocumentException(String what, String field, String reason) {
        super("malformed " + what + (field.isEmpty() ? "" : " at field " + field) + ": " + reason);
        this.what = what;
        this.field = field;
    }

    /** What was being read, e.g. "cluster data at pgha/demo/clusterdata". */
    public String what() {
        return what;
    }

    /** The JSON path of the offending field, "" when the document as a whole is unreadable. */
    public String field() {
        return field;
    }
}
