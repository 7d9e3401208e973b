using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// <c>dxmig doctor</c>'s job layer: the endpoints of a bound job (its kind's source, target and store, then the ledger
/// and the alert mail server every job may have), each checked read-only in turn, one result at a time so a shell
/// shows each as soon as it is known. Nothing is written anywhere: no message, no ledger row, no mail.
/// </summary>
public static class DoctorService
{
    /// <summary>Every endpoint the job uses, in the order a run meets them.</summary>
    public static IReadOnlyList<DoctorEndpoint> Endpoints(IBoundJob job, DoctorRequest request)
    {
        ArgumentNullException.ThrowIfNull(job);
        List<DoctorEndpoint> endpoints = [.. job.DoctorEndpoints(request), StoreDoctor.Ledger(job.File)];
        if (job.File.Alerts is { } alerts)
        {
            endpoints.Add(SmtpDoctor.Endpoint(alerts, job.File.Environment));
        }

        return endpoints;
    }

    /// <summary>Checks each endpoint (each check within <see cref="DoctorRequest.Timeout"/>) and yields its result.</summary>
    public static async IAsyncEnumerable<DoctorResult> CheckAsync(IBoundJob job, DoctorRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var endpoint in Endpoints(job, request))
        {
            var probe = new DoctorProbe(request);
            var clock = Stopwatch.StartNew();
            try
            {
                await endpoint.Probe(probe, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A check that threw outside a step (a bug, or settings no step expected): still one plain NG line.
                var (kind, reason, fix) = ConnectionFailure.Classify(ex, endpoint.Address);
                probe.Fail("診断 / check", reason, fix, kind);
            }

            yield return new DoctorResult(endpoint, probe.Lines, probe.Verdict, clock.Elapsed);
        }
    }
}
