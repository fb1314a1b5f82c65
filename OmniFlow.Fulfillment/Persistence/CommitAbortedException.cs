namespace OmniFlow.Fulfillment.Persistence;

/// <summary>
/// A step that had to succeed before a transaction commits (not the database's own work) failed, so the transaction
/// was rolled back: nothing changed. <see cref="DatabaseTransactionRunner"/> never retries it, whatever is inside;
/// <see cref="Exception.InnerException"/> is that step's exception.
/// </summary>
public sealed class CommitAbortedException(string message, Exception innerException) : Exception(message, innerException);
