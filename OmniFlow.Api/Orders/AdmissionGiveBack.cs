using System.Threading.Channels;
using OmniFlow.Fulfillment.Admission;

namespace OmniFlow.Api.Orders;

/// <summary>
/// Gives back the admission of an order whose caller was answered 503, for sure: at once when the gate answers, else
/// retried in the background until it does (a release also withdraws the order id, so an admission of it still on its
/// way to the gate is refused when it arrives). What an Api crash loses here, the reconciliation finds.
/// </summary>
public sealed partial class AdmissionGiveBack(IAdmissionGate gate, ILogger<AdmissionGiveBack> logger) : BackgroundService
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    private readonly Channel<string> pending = Channel.CreateUnbounded<string>();
    private int waiting;

    /// <summary>How many give-backs wait for the gate.</summary>
    public int Pending => Volatile.Read(ref waiting);

    /// <summary>Gives the admission back now, or later when the gate does not answer.</summary>
    public async Task GiveBackAsync(string orderId)
    {
        if (!await TryReleaseAsync(orderId))
        {
            GiveBackLater(orderId);
        }
    }

    /// <summary>Gives the admission back in the background: the gate just failed, and the caller's 503 need not wait for it.</summary>
    public void GiveBackLater(string orderId)
    {
        LogDeferred(orderId);
        Interlocked.Increment(ref waiting);
        pending.Writer.TryWrite(orderId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var givenBack = 0;
        try
        {
            while (await pending.Reader.WaitToReadAsync(stoppingToken))
            {
                var orderId = await pending.Reader.ReadAsync(stoppingToken);
                while (!await TryReleaseAsync(orderId))
                {
                    await Task.Delay(RetryEvery, stoppingToken);
                }

                givenBack++;
                if (Interlocked.Decrement(ref waiting) == 0)
                {
                    LogGivenBack(givenBack);
                    givenBack = 0;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (Pending > 0)
            {
                LogLeftBehind(Pending);
            }
        }
    }

    private async Task<bool> TryReleaseAsync(string orderId)
    {
        try
        {
            await gate.ReleaseAsync(orderId, CancellationToken.None);
            return true;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The admission of order {OrderId} could not be given back yet; retrying until the gate answers.")]
    private partial void LogDeferred(string orderId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Gave back {Count} admissions that waited for the gate to come back.")]
    private partial void LogGivenBack(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} admissions were not given back before the Api stopped; the reconciliation will find them.")]
    private partial void LogLeftBehind(int count);
}
