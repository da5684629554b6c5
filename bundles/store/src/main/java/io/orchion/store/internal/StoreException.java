package io.orchion.store.internal;

/** The store cannot be opened or written; the message is meant for the operator. */
final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoreException(String message) {
        super(message);
    }
}
