using System.Diagnostics;
using Dxmig.Platform.Logging;

namespace Dxmig.Jobs.Doctor;

/// <summary>
/// Where one endpoint's checks record their lines. <see cref="StepAsync"/> runs a check under the doctor's time
/// limit and turns any failure into one NG line (its kind, the reason and the fix in plain words); the endpoint's probe
/// stops when a step returns no value.
/// </summary>
public sealed class DoctorProbe(DoctorRequest request)
{
    private readonly List<DoctorLine> lines = [];

    public DoctorRequest Request { get; } = request;

    public IReadOnlyList<DoctorLine> Lines => lines;

    /// <summary>The worst status of the lines: NG over WARN over OK.</summary>
    public DoctorStatus Verdict =>
        lines.Any(l => l.Status == DoctorStatus.Failed) ? DoctorStatus.Failed
        : lines.Any(l => l.Status == DoctorStatus.Warning) ? DoctorStatus.Warning
        : DoctorStatus.Ok;

    public void Ok(string check, string? detail = null) => Add(new DoctorLine(DoctorStatus.Ok, check, detail));

    public void Warn(string check, string detail, string? fix = null) => Add(new DoctorLine(DoctorStatus.Warning, check, detail, fix));

    public void Fail(string check, string reason, string fix, ConnectionFailureKind kind) =>
        Add(new DoctorLine(DoctorStatus.Failed, check, reason, fix) { Failure = kind });

    public void Skip(string check, string why) => Add(new DoctorLine(DoctorStatus.Skipped, check, why));

    /// <summary>
    /// Runs one check within the time limit. The step returns what it found (shown on the OK line) or throws; a failure
    /// becomes one NG line, classified by <see cref="ConnectionFailure"/>, or by <paramref name="explain"/> first when it
    /// knows better (a token's AADSTS code). Returns false when the check failed.
    /// </summary>
    public async Task<bool> StepAsync(
        string check, string where, Func<CancellationToken, Task<string?>> step, CancellationToken cancellationToken,
        Func<Exception, (ConnectionFailureKind Kind, string Reason, string Fix)?>? explain = null)
    {
        ArgumentNullException.ThrowIfNull(step);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Request.Timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            var found = await step(limit.Token).WaitAsync(Request.Timeout + TimeSpan.FromSeconds(1), cancellationToken);
            Ok(check, found is null ? $"{clock.ElapsedMilliseconds} ms" : $"{found} ({clock.ElapsedMilliseconds} ms)");
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (ex is OperationCanceledException or TimeoutException && clock.Elapsed >= Request.Timeout)
            {
                var seconds = Request.Timeout.TotalSeconds;
                Fail(check,
                    $"{where} が {seconds:0} 秒以内に応答しません / {where} did not answer within {seconds:0} s",
                    "ファイアウォール (通信の許可) とサーバーの状態を確認してください / check the firewall (is the port allowed?) and the server",
                    ConnectionFailureKind.Timeout);
                return false;
            }

            var (kind, reason, fix) = explain?.Invoke(ex) ?? ConnectionFailure.Classify(ex, where);
            Fail(check, reason, fix, kind);
            return false;
        }
    }

    private void Add(DoctorLine line) => lines.Add(line with
    {
        Check = SecretMasker.Apply(line.Check),
        Detail = line.Detail is null ? null : SecretMasker.Apply(line.Detail),
        Fix = line.Fix is null ? null : SecretMasker.Apply(line.Fix),
    });
}
