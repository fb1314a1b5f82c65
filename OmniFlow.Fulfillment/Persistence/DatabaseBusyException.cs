namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// A write transaction met a deadlock, a lock wait timeout, a busy database or a lost connection on every attempt: it
/// did nothing, and may be run again (with the same idempotency key).
/// </summary>
public sealed class DatabaseBusyException(string message, Exception? inner = null) : Exception(message, inner);
