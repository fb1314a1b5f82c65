using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;

namespace OmniFlow.TemporalServer.Engine;

/// <summary>The server's retry defaults (initial 1 s, coefficient 2, maximum interval 100 × initial, unlimited attempts).</summary>
public static class RetryPolicies
{
    /// <summary>How a timeout is named in NonRetryableErrorTypes, e.g. "TemporalTimeout:StartToClose".</summary>
    private const string TimeoutTypePrefix = "TemporalTimeout:";

    public static RetryPolicy WithDefaults(RetryPolicy? policy)
    {
        var filled = policy?.Clone() ?? new RetryPolicy();
        if (filled.InitialInterval is null || filled.InitialInterval.ToTimeSpan() <= TimeSpan.Zero)
        {
            filled.InitialInterval = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        }

        if (filled.BackoffCoefficient < 1)
        {
            filled.BackoffCoefficient = 2;
        }

        if (filled.MaximumInterval is null || filled.MaximumInterval.ToTimeSpan() <= TimeSpan.Zero)
        {
            filled.MaximumInterval = Duration.FromTimeSpan(filled.InitialInterval.ToTimeSpan() * 100);
        }

        return filled;
    }

    /// <summary>Why a policy given on a request is invalid (the real server's messages), or null when it is valid.</summary>
    public static string? Invalid(RetryPolicy policy)
    {
        if (policy.MaximumAttempts == 1)
        {
            return null;
        }

        var initial = policy.InitialInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        var maximum = policy.MaximumInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        return (initial, maximum) switch
        {
            _ when initial < TimeSpan.Zero => "invalid InitialInterval set on retry policy: negative duration",
            _ when policy.BackoffCoefficient != 0 && policy.BackoffCoefficient < 1 => "BackoffCoefficient cannot be less than 1 on retry policy.",
            _ when maximum < TimeSpan.Zero => "invalid MaximumInterval set on retry policy: negative duration",
            _ when maximum > TimeSpan.Zero && maximum < initial => "MaximumInterval cannot be less than InitialInterval on retry policy.",
            _ when policy.MaximumAttempts < 0 => "MaximumAttempts cannot be negative on retry policy.",
            _ => null,
        };
    }

    public static TimeSpan Backoff(RetryPolicy policy, int failedAttempt, TimeSpan? requestedDelay)
    {
        if (requestedDelay is { } delay && delay > TimeSpan.Zero)
        {
            return delay;
        }

        var initial = policy.InitialInterval.ToTimeSpan();
        var maximum = policy.MaximumInterval.ToTimeSpan();
        var backoff = initial.TotalMilliseconds * Math.Pow(policy.BackoffCoefficient, failedAttempt - 1);
        return TimeSpan.FromMilliseconds(Math.Min(backoff, maximum.TotalMilliseconds));
    }

    /// <summary>
    /// Whether a run that ended with <paramref name="failure"/> on <paramref name="attempt"/> is retried, as the real
    /// server decides it: not for a non-retryable failure (cancel, terminate, a non-retryable application failure or type,
    /// a timeout other than start-to-close), not beyond the maximum attempts, not past the chain's expiration.
    /// </summary>
    public static (TimeSpan? Backoff, RetryState State) NextWorkflowRetry(
        RetryPolicy policy, int attempt, Failure? failure, DateTimeOffset now, DateTimeOffset? expiration)
    {
        if (!IsRetryable(failure, policy.NonRetryableErrorTypes))
        {
            return (null, RetryState.NonRetryableFailure);
        }

        if (policy.MaximumAttempts > 0 && attempt >= policy.MaximumAttempts)
        {
            return (null, RetryState.MaximumAttemptsReached);
        }

        var backoff = Backoff(policy, attempt, failure?.ApplicationFailureInfo?.NextRetryDelay?.ToTimeSpan());
        var maximum = policy.MaximumInterval.ToTimeSpan();
        if (maximum > TimeSpan.Zero && backoff > maximum)
        {
            backoff = maximum;
        }

        return expiration is { } deadline && now + backoff > deadline
            ? (null, RetryState.Timeout)
            : (backoff, RetryState.InProgress);
    }

    private static bool IsRetryable(Failure? failure, ICollection<string> nonRetryableTypes) => failure switch
    {
        null => true,
        { TerminatedFailureInfo: not null } or { CanceledFailureInfo: not null } => false,
        { TimeoutFailureInfo: { } timeout } => timeout.TimeoutType is TimeoutType.StartToClose or TimeoutType.Heartbeat &&
                                               !nonRetryableTypes.Contains(TimeoutTypePrefix + timeout.TimeoutType),
        { ServerFailureInfo: { } server } => !server.NonRetryable,
        { ApplicationFailureInfo: { } application } => !application.NonRetryable && !nonRetryableTypes.Contains(application.Type),
        _ => true,
    };
}
