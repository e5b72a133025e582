package io.streamtrain.compute;

/** The configured {@code compute.backend} cannot be had here; the message says what is missing. */
public final class ComputeBackendException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ComputeBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
