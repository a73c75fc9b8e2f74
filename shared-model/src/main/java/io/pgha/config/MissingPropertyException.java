package io.pgha.config;

/** A required property is not set; reported at startup as one line naming the property. */
public class MissingPropertyException extends StartupFailure {
    private final String property;

    public MissingPropertyException(String property, String environmentVariable) {
        super("required property " + property + " is not set (environment variable " + environmentVariable + ")",
                "Set " + property + " (or " + environmentVariable + ").");
        this.property = property;
    }

    public String property() {
        return property;
    }
}
