package io.pgha.config;

/** A required property is not set; reported at startup as one line naming the property. */
public class MissingPropertyException extends RuntimeException {
    private final String property;
    private final String environmentVariable;

    public MissingPropertyException(String property, String environmentVariable) {
        super("required property " + property + " is not set (environment variable " + environmentVariable + ")");
        this.property = property;
        this.environmentVariable = environmentVariable;
    }

    public String property() {
        return property;
    }

    public String environmentVariable() {
        return environmentVariable;
    }
}
