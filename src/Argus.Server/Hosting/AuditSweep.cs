using Argus.Application.Auditing;
using Argus.Core;
using Argus.Server.Security;

namespace Argus.Server.Hosting;

/// <summary>
/// The audit's housekeeping, every <c>Argus:AuditSweepSeconds</c> (default 10): chains the throttled counts of closed
/// per-source windows, closes the audit groups whose window or idle gap has passed, writes the head checkpoint when
/// its interval has passed, and verifies the records added since the last sweep (from the first record once a day).
/// At shutdown it chains, closes and checkpoints everything still open, so a clean stop loses no count.
/// </summary>
internal sealed class AuditSweep(ArgusRuntime runtime, AuthFailureGate gate, TimeProvider time, IConfiguration configuration, ILogger<AuditSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Argus:AuditSweepSeconds", 10.0))), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepAsync(all: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await SweepAsync(all: true, cancellationToken);
    }

    /// <summary>One pass (tests call it instead of waiting for the timer).</summary>
    internal async Task SweepAsync(bool all, CancellationToken ct)
    {
        try
        {
            await gate.FlushAsync(runtime, all, ct);
            await runtime.Store.CloseAuditGroupsAsync(runtime.Operations.AuditChain, all, ct);
            if (runtime.Checkpoint is { } checkpoint)
            {
                await checkpoint.TickAsync(force: all, ct);
            }

            // The chain verified as it grows, and from the first record once a day (finds records edited after their check).
            var operations = runtime.Operations;
            var fullEvery = TimeSpan.FromHours(operations.PositiveDouble(AuditVerifier.FullPassHoursVariable, 24));
            var mark = await operations.Store.GetAuditVerificationAsync(ct);
            var fullPass = !all && (mark?.FullPassAt is not { } at || time.GetUtcNow() - at >= fullEvery);
            await new AuditVerifier(operations.Store, operations.AuditChain, time).AdvanceAsync(fullPass, ct);
        }
        catch (ArgusException e)
        {
            Log.AuditSweepFailed(logger, e.Code);
        }
        catch (InvalidOperationException)
        {
            // The store is not open (start-up failed); nothing to sweep.
        }
    }
}
